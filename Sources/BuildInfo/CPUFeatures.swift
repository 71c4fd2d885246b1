import Foundation

/// The instruction set the science modules are compiled for. On x86-64,
/// Package.swift builds Theory, Particles and Flows with -march=x86-64-v3
/// (AVX2 and FMA: the vector loops' speed, not their bits, depends on it), so
/// on an older CPU they would die of SIGILL mid-run. `repro` checks first.
public enum CPUFeatures {
    /// x86-64-v3 as named in /proc/cpuinfo's `flags` (abm is LZCNT).
    #if arch(x86_64)
    public static let required = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"]
    #else
    public static let required: [String] = []
    #endif

    /// The required flags absent from the first `flags` line of a cpuinfo
    /// text; none when there is no such line (nothing to judge by).
    public static func missing(cpuinfo: String) -> [String] {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        return required.filter { !flags.contains($0) }
    }

    /// The required flags this machine lacks (Linux; elsewhere none reported).
    public static func missingOnThisMachine() -> [String] {
        guard !required.isEmpty, let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        return missing(cpuinfo: text)
    }
}

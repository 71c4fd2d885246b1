import Foundation

/// How `shell` stages are isolated: pipeline.yaml's top-level `sandbox:`,
///
///     sandbox:                      # default: bubblewrap with the system dirs only
///       read_only: [/opt/conda]     # more host directories, visible read-only
///       tmp_size_mb: 1024           # the size of its private /tmp (default 1024)
///       max_processes: 1024         # per command (default 1024; see `StageBounds`)
///       max_memory_mb: 8192         # per command (default 8192)
///
///     sandbox: none                 # opt out: run unsandboxed (said in every run's summary)
///
/// and `--no-sandbox` on the command line (which wins).
public struct SandboxPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable { case bubblewrap, none }
    public var mode: Mode
    /// Host directories (absolute) bound read-only at the same path, after the system ones.
    public var readOnly: [String]
    /// The size of the sandbox's private `/tmp` (a tmpfs), in MiB.
    public var tmpSizeMB: Int
    /// What one sandboxed command may take (see `StageBounds`).
    public var maxProcesses: Int
    public var maxMemoryMB: Int

    public static let defaultTmpSizeMB = 1024
    public static let defaultMaxProcesses = 1024
    public static let defaultMaxMemoryMB = 8192
    package static let keys = ["max_memory_mb", "max_processes", "read_only", "tmp_size_mb"]

    public init(mode: Mode = .bubblewrap, readOnly: [String] = [], tmpSizeMB: Int = defaultTmpSizeMB,
                maxProcesses: Int = defaultMaxProcesses, maxMemoryMB: Int = defaultMaxMemoryMB) {
        self.mode = mode
        self.readOnly = readOnly
        self.tmpSizeMB = tmpSizeMB
        self.maxProcesses = maxProcesses
        self.maxMemoryMB = maxMemoryMB
    }

    public static let standard = SandboxPolicy()
    public static let disabled = SandboxPolicy(mode: .none)

    /// Reads the `sandbox:` value; returns the problems with it (empty if none).
    /// Whether a directory would expose the project is checked when a stage
    /// runs (`Sandbox.arguments`), where the project's place is known.
    package static func parse(_ value: Value) -> (SandboxPolicy, [String]) {
        switch value {
        case .string("none"):
            return (.disabled, [])
        case .object(let o):
            var problems: [String] = []
            for k in o.keys where !keys.contains(k) { problems.append("unknown key '\(k)' in sandbox (allowed: \(keys.joined(separator: ", ")))") }
            func whole(_ key: String, _ what: String, default d: Int, max: Int) -> Int {
                guard let v = o[key] else { return d }
                if case .int(let n) = v, n >= 1, n <= max { return n }
                problems.append("sandbox.\(key) must be a whole number of \(what) from 1 to \(max)")
                return d
            }
            let tmp = whole("tmp_size_mb", "MiB", default: defaultTmpSizeMB, max: 1_048_576)
            let processes = whole("max_processes", "processes", default: defaultMaxProcesses, max: 4_194_304)
            let memory = whole("max_memory_mb", "MiB", default: defaultMaxMemoryMB, max: 1 << 30)
            var paths: [String] = []
            if let v = o["read_only"] {
                guard case .array(let items) = v else { return (.standard, problems + ["sandbox.read_only must be a list of absolute paths"]) }
                for item in items {
                    guard case .string(let p) = item else { problems.append("sandbox.read_only entries must be strings"); continue }
                    if let why = readOnlyProblem(p, projectRoot: nil) { problems.append("sandbox.read_only '\(Diagnostics.visible(p))' \(why)") } else { paths.append(p) }
                }
            }
            return (SandboxPolicy(mode: .bubblewrap, readOnly: paths, tmpSizeMB: tmp, maxProcesses: processes, maxMemoryMB: memory), problems)
        default:
            return (.standard, ["'sandbox' must be `none` or a mapping with read_only: [absolute paths]"])
        }
    }

    /// The canonical path (every symlink, `.`, `..` and `//` resolved), or nil if it does not exist.
    package static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    package static func readOnlyProblem(_ p: String, projectRoot: String?) -> String? {
        if !p.hasPrefix("/") { return "must be an absolute path" }
        if p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "contains a control character" }
        if p.split(separator: "/").contains("..") { return "must not contain '..'" }
        if let root = projectRoot {
            let dir = p.hasSuffix("/") ? String(p.dropLast()) : p
            if dir == root || root.hasPrefix(dir + "/") || dir.hasPrefix(root + "/") || dir.isEmpty || root == "/" {
                return "would expose the project directory to every stage: declare the files a stage reads as its deps instead"
            }
        }
        return nil
    }
}

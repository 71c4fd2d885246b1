import Foundation

/// How `shell` stages are isolated: pipeline.yaml's top-level `sandbox:`,
///
///     sandbox:                      # default: bubblewrap with the system dirs only
///       read_only: [/opt/conda]     # more host directories, visible read-only
///
///     sandbox: none                 # opt out: run unsandboxed (said in every run's summary)
///
/// and `--no-sandbox` on the command line (which wins).
public struct SandboxPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable { case bubblewrap, none }
    public var mode: Mode
    /// Host directories (absolute) bound read-only at the same path, after the system ones.
    public var readOnly: [String]

    public init(mode: Mode = .bubblewrap, readOnly: [String] = []) {
        self.mode = mode
        self.readOnly = readOnly
    }

    public static let standard = SandboxPolicy()
    public static let disabled = SandboxPolicy(mode: .none)

    /// Reads the `sandbox:` value; returns the problems with it (empty if none).
    /// Whether a directory would expose the project is checked when a stage
    /// runs (`Sandbox.arguments`), where the project's place is known.
    static func parse(_ value: Value) -> (SandboxPolicy, [String]) {
        switch value {
        case .string("none"):
            return (.disabled, [])
        case .object(let o):
            var problems: [String] = []
            for k in o.keys where k != "read_only" { problems.append("unknown key '\(k)' in sandbox (allowed: read_only)") }
            var paths: [String] = []
            if let v = o["read_only"] {
                guard case .array(let items) = v else { return (.standard, problems + ["sandbox.read_only must be a list of absolute paths"]) }
                for item in items {
                    guard case .string(let p) = item else { problems.append("sandbox.read_only entries must be strings"); continue }
                    if let why = readOnlyProblem(p, projectRoot: nil) { problems.append("sandbox.read_only '\(Diagnostics.visible(p))' \(why)") } else { paths.append(p) }
                }
            }
            return (SandboxPolicy(mode: .bubblewrap, readOnly: paths), problems)
        default:
            return (.standard, ["'sandbox' must be `none` or a mapping with read_only: [absolute paths]"])
        }
    }

    static func readOnlyProblem(_ p: String, projectRoot: String?) -> String? {
        if !p.hasPrefix("/") { return "must be an absolute path" }
        if p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "contains a control character" }
        if p.split(separator: "/").contains("..") { return "must not contain '..'" }
        if let root = projectRoot {
            let dir = p.hasSuffix("/") ? String(p.dropLast()) : p
            if dir == root || root.hasPrefix(dir + "/") || dir.hasPrefix(root + "/") || dir.isEmpty {
                return "would expose the project directory to every stage: declare the files a stage reads as its deps instead"
            }
        }
        return nil
    }
}

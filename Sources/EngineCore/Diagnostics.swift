import StageAPI
import ProcessSpawn
/// A position in a source file, 1-based.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// An error in pipeline.yaml (or in what it refers to), reported as
/// `file:line:column: error: message` followed by what to do about it.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation?
    public var file: String
    public var message: String
    public var hint: String?

    public init(_ message: String, at location: SourceLocation?, file: String = "pipeline.yaml", hint: String? = nil) {
        self.location = location
        self.file = location?.file ?? file
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var s = "\(location?.description ?? file): error: \(message)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}

/// Every error found while loading a pipeline, in file order: a user fixes
/// them all in one go instead of one per run.
public struct PipelineErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [PipelineError]
    public init(_ errors: [PipelineError]) {
        self.errors = errors.sorted {
            ($0.location?.line ?? Int.max, $0.location?.column ?? 0) < ($1.location?.line ?? Int.max, $1.location?.column ?? 0)
        }
    }
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
            + (errors.count > 1 ? "\n\(errors.count) errors" : "")
    }
}


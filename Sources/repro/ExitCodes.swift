import ArgumentParser
import EngineCore

extension ExitCode {
    /// A command's exit, by its name in `ExitStatus` (the one list of them).
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}

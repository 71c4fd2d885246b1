import StageAPI
import ProcessSpawn
/// Reading a lock from text that is not a file of this project (a lock read
/// from a git revision or an experiment's workspace, for `repro diff`).
extension LockFile {
    /// Parses a lock's text as `load` does; throws on a damaged file.
    public static func decode(_ text: String) throws -> LockFile { try parse(text) }
}

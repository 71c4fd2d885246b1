import Foundation
import EngineCore
import StageAPI
import ProcessSpawn

/// Runs Slurm's client commands (sbatch, squeue, scontrol, scancel, sacct)
/// and collects what they print.
public struct SlurmTools: Sendable {
    /// Where the commands are: nil finds them on PATH; a directory holds
    /// stand-ins (the tests' fake sbatch and squeue).
    public var directory: String?

    public init(directory: String? = nil) { self.directory = directory }

    struct Result: Sendable {
        var status: Int32
        var out: String
        var err: String
        var errLine: String { err.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Output beyond this is dropped (scontrol for a 1 000-task array prints ~2 MB).
    static let maxOutput = 64 << 20

    func run(_ name: String, _ args: [String]) throws -> Result {
        let path = directory.map { $0 + "/" + name } ?? name
        return try Self.capture([path] + args)
    }

    /// Runs `argv` through the one spawn path (`Subprocess.collect`): its own
    /// process group, so a Ctrl-C meant for repro does not kill an sbatch
    /// half-way through submitting; stdout and stderr read apart.
    static func capture(_ argv: [String]) throws -> Result {
        let c: Subprocess.Collected
        do { c = try Subprocess.collect(argv, maxBytes: maxOutput) } catch SpawnError.cannotStart(let program, let e) {
            throw StageFailure("cannot run \(program): \(String(cString: strerror(e))) (is Slurm installed on this machine?)")
        }
        return Result(status: c.status, out: String(decoding: c.stdout, as: UTF8.self), err: String(decoding: c.stderr, as: UTF8.self))
    }
}

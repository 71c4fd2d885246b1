import ArgumentParser
import Changes
import EngineCore
import StageAPI
import Foundation

/// `--numeric [--rtol R] [--atol A]` of `verify` and `check --rebuild`.
struct NumericOptions: ParsableArguments {
    @Flag(help: "Where bytes differ, compare the numbers of CSV and JSON outputs with the recorded ones within tolerance (|new − old| ≤ atol + rtol·|old|), and say whether the claims hold.")
    var numeric = false

    @Option(help: "Relative tolerance for --numeric.")
    var rtol: Double = 1e-9

    @Option(help: "Absolute tolerance for --numeric.")
    var atol: Double = 0

    func validate() throws {
        guard rtol >= 0, atol >= 0, rtol.isFinite, atol.isFinite else { throw ValidationError("--rtol and --atol must be finite and ≥ 0") }
        if !numeric && (rtol != 1e-9 || atol != 0) { throw ValidationError("--rtol and --atol go with --numeric") }
    }
}

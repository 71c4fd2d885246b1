import ArgumentParser
import BuildInfo
import EngineCore
import StageAPI
import Foundation
import Stages

/// Options every command shares: where the project is.
struct ProjectOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("project")], help: "Project directory.")
    var project: String = "."

    @Option(name: .customLong("file"), help: "Pipeline file, relative to the project directory.")
    var file: String = "pipeline.yaml"

    @Option(help: "The most stages the pipeline may expand to (matrices are counted before they are expanded).")
    var maxStages: Int = SpecParser.defaultMaxStages

    static var registry: KindRegistry { Plugins.registry }

    /// The number of stages, if `NoOpProof` shows every one up to date
    /// without loading the project (nil: load it and decide).
    func upToDateShortcut(writers: Set<NoOpProof.Writer>) -> Int? {
        guard CPUFeatures.missingOnThisMachine().isEmpty else { return nil }
        return NoOpProof.holds(root: URL(fileURLWithPath: project), pipelineFile: file, maxStages: maxStages, writers: writers)
    }

    /// Loads and validates the project; prints every error and exits 65 if
    /// invalid, 64 if this CPU cannot run the science modules.
    func load() throws -> Project {
        let missing = CPUFeatures.missingOnThisMachine()
        if !missing.isEmpty {
            printError("""
                repro: this binary's science modules are compiled for x86-64-v3 (AVX2 and FMA; \
                Intel Haswell or AMD Excavator and later), and this CPU lacks: \(missing.joined(separator: ", ")).
                hint: run on such a CPU, or delete the "-march=x86-64-v3" flags in Package.swift and rebuild \
                (same results bit for bit, but the flow and particle stages run many times slower).
                """)
            throw ExitCode(.usage)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: project, isDirectory: &isDir), isDir.boolValue else {
            printError("repro: the project directory '\(project)' does not exist (or is not a directory)\nhint: pass -C with the directory that holds pipeline.yaml")
            throw ExitCode(.usage)
        }
        do {
            return try Project(root: URL(fileURLWithPath: project), pipelineFile: file, registry: Self.registry,
                               code: Plugins.code, maxStages: maxStages)
        } catch let e as PipelineErrors {
            printError(e.description)
            throw ExitCode(.invalidInput)
        }
    }
}

/// Writes a command's output when it is data (`dag --dot`, `log --json`):
/// a write that fails (`> /dev/full`) is an error, exit 1; a reader that has
/// gone (`| head`) just ends the output.
func emit(_ s: String, command: String) throws {
    var bytes = Array(s.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n < 0, errno == EPIPE { return }
        guard n > 0 else {
            printError("\(command): cannot write standard output: \(String(cString: strerror(n < 0 ? errno : EIO)))")
            throw ExitCode(.stageFailed)
        }
        bytes = bytes.dropFirst(n)
    }
}

func printError(_ s: String) {
    ConsoleOutput.err(s.hasSuffix("\n") ? s : s + "\n")
}

/// Turns engine errors into a message and exit code instead of a crash.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as EngineError {
        if case .interrupted = e { printError("repro: interrupted"); throw ExitCode(.interrupted) }
        printError("repro: \(e)")
        if case .usage = e { throw ExitCode(.usage) }
        throw ExitCode(.stageFailed)
    } catch let e as PipelineErrors {
        printError(e.description)
        throw ExitCode(.invalidInput)
    } catch {
        printError("repro: \(error)")
        throw ExitCode(.stageFailed)
    }
}

import ArgumentParser
import Engine
import Foundation

/// Internal: what a Slurm job runs on a node. Runs one stage's code into a
/// staging directory chosen by the coordinating repro, which alone verifies
/// the outputs and updates the cache and the lock.
struct ExecStage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-stage",
        abstract: "(internal) Run one stage into a staging directory, for an executor such as Slurm.",
        shouldDisplay: false)

    @OptionGroup var projectOptions: ProjectOptions

    @Option(help: "Directory to write the outputs into (inside the project's .repro/).")
    var staging: String

    @Option(help: "Threads the stage may use.")
    var threads: Int = 1

    @Flag(help: "Run a shell stage without the bubblewrap sandbox.")
    var noSandbox = false

    @Option(help: "STAGE=KEY of a stage this one reads from (for kinds that record provenance; repeated).")
    var upstream: [String] = []

    @Argument(help: "The stage's full name.")
    var stage: String

    func run() throws {
        let project = try projectOptions.load()
        guard let i = project.pipeline.index(of: stage) else {
            printError("repro exec-stage: no stage named '\(stage)'")
            throw ExitCode(64)
        }
        let stagingURL = URL(fileURLWithPath: staging).standardizedFileURL
        guard stagingURL.path.hasPrefix(project.reproDir.path + "/") else {
            printError("repro exec-stage: --staging must be inside \(project.reproDir.path)")
            throw ExitCode(64)
        }
        let s = project.pipeline.stages[i]
        try FileManager.default.createDirectory(at: stagingURL, withIntermediateDirectories: true)
        // STAGE=KEY: a key has no '=', a matrix stage's name may.
        let keys = upstream.compactMap { arg -> KeyFields.Dep? in
            guard let eq = arg.lastIndex(of: "=") else { return nil }
            return KeyFields.Dep(path: String(arg[..<eq]), sha256: String(arg[arg.index(after: eq)...]))
        }
        let ctx = project.context(for: i, staging: stagingURL, parallelism: threads,
                                  upstream: project.upstreamInfo(i, keys: keys), noSandbox: noSandbox,
                                  reporter: { e in if case .log(let line) = e { print(line) } }, cancelled: { false })
        do {
            try LocalExecutor().execute(s, context: ctx, project: project)
        } catch {
            printError("repro exec-stage: stage '\(s.name)' failed: \(error)")
            throw ExitCode(1)
        }
        print("repro exec-stage: stage '\(s.name)' finished")
    }
}

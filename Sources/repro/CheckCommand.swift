import ArgumentParser
import Changes
import EngineCore
import StageAPI
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rerun stages without the cache into a scratch dir and compare bytes with repro.lock.",
        discussion: "Changes nothing. Exit 0 if every rebuilt output is identical, 4 if a stage is nondeterministic, 1 if one could not be checked.")

    @OptionGroup var projectOptions: ProjectOptions

    @Flag(help: "Rebuild from scratch (required; the only check so far).")
    var rebuild = false

    @Option(name: .shortAndLong, help: "Threads a stage may use.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var numeric: NumericOptions

    @Flag(help: "Rebuild shell stages without the bubblewrap sandbox.")
    var noSandbox = false

    @Argument(help: "Stages to check (default: all).", completion: StageCompletion.kind)
    var stages: [String] = []

    func validate() throws {
        guard rebuild else { throw ValidationError("say what to check: --rebuild") }
    }

    func run() throws {
        let project = try projectOptions.load()
        let selection = try reporting {
            stages.isEmpty ? Array(project.pipeline.stages.indices) : try project.pipeline.select(stages, upstreamToo: false)
        }
        let compare = numeric.numeric ? Self.numericCompare(project: project, rtol: numeric.rtol, atol: numeric.atol) : nil
        let check = RebuildCheck(project: project, jobs: jobs, noSandbox: noSandbox, numeric: compare)
        let interrupts = InterruptHandler(onFirst: { check.control.cancel() }, onSecond: { check.control.kill() })
        let findings = try reporting { try check.run(selection, reporter: ConsoleReporter()) }
        withExtendedLifetime(interrupts) {}
        let nondeterministic = findings.filter { !$0.differing.isEmpty }
        let unchecked = findings.filter { $0.problem != nil }
        print("checked \(findings.count - unchecked.count) stages: \(nondeterministic.count) nondeterministic, \(unchecked.count) not checked")
        for f in unchecked { print("  not checked: \(f.stage): \(f.problem!)") }
        let within = findings.flatMap(\.withinTolerance)
        if !within.isEmpty { print("\(within.count) output(s) differ in bytes with every number within rtol \(numeric.rtol), atol \(numeric.atol): \(within.joined(separator: ", "))") }
        if !nondeterministic.isEmpty { throw ExitCode(.notDeterministic) }
        if !unchecked.isEmpty { throw ExitCode(.stageFailed) }
    }

    static func numericCompare(project: Project, rtol: Double, atol: Double) -> @Sendable (String, URL, String) -> String? {
        let store = project.store
        let root = project.root
        return { path, rebuilt, sha in
            guard let now = FileManager.default.contents(atPath: rebuilt.path) else { return "missing" }
            var recorded: Data? = nil
            for url in [store.objectURL(sha), root.appendingPathComponent(path)] {
                if let d = FileManager.default.contents(atPath: url.path), FileHasher.hash(data: d) == sha { recorded = d; break }
            }
            if case .within = NumericVerdict.compare(path: path, recorded: recorded, now: now, sha256: sha, rtol: rtol, atol: atol) { return nil }
            return "beyond tolerance"
        }
    }
}

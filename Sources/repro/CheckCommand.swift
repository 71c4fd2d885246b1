import ArgumentParser
import Engine
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
        let check = RebuildCheck(project: project, jobs: jobs, noSandbox: noSandbox)
        let interrupts = InterruptHandler(onFirst: { check.control.cancel() }, onSecond: { check.control.kill() })
        let findings = try reporting { try check.run(selection, reporter: ConsoleReporter()) }
        withExtendedLifetime(interrupts) {}
        let nondeterministic = findings.filter { !$0.differing.isEmpty }
        let unchecked = findings.filter { $0.problem != nil }
        print("checked \(findings.count - unchecked.count) stages: \(nondeterministic.count) nondeterministic, \(unchecked.count) not checked")
        for f in unchecked { print("  not checked: \(f.stage): \(f.problem!)") }
        if !nondeterministic.isEmpty { throw ExitCode(4) }
        if !unchecked.isEmpty { throw ExitCode(1) }
    }
}

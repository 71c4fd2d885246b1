import ArgumentParser
import Engine
import Foundation

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download the outputs repro.lock records from the remote cache into the project.",
        discussion: """
            Every object is checked against its SHA-256 and every run record against the stage's \
            declared outs before anything is written; each file is replaced whole (by rename). \
            Files that already match repro.lock are left alone. Exit 0 when every selected stage's \
            outputs are in place, 1 otherwise (run `repro all` to compute what the remote lacks).
            """)

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var remote: RemoteFlags

    @Argument(help: "Stage names (default: every stage).")
    var stages: [String] = []

    func run() throws {
        let setup = try TransferSetup(projectOptions, remote, stages: stages)
        let (project, reporter, cache, selection) = (setup.project, setup.reporter, setup.cache, setup.selection)
        let start = Date()
        let report = try reporting { try RemoteSync(project: project, remote: cache).pull(selection) { reporter.message($0) } }
        for (name, problem) in report.problems { print("not pulled  \(name): \(problem)") }
        let s = cache.stats
        print("pulled \(report.done.count) stages from \(cache.display) (\(s.downloadedObjects) objects, \(RemoteStats.bytes(s.downloadedBytes))), \(report.upToDate.count) already in place, \(report.problems.count) not pulled, in \(ConsoleReporter.duration(Date().timeIntervalSince(start)))")
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

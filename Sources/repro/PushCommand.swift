import ArgumentParser
import Engine
import Foundation

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload the outputs repro.lock records (and their run records) to the remote cache.",
        discussion: """
            Objects the remote already has are not sent again; a stage's run record is written \
            after its objects, so the remote never names an object it lacks. \
            Exit 0 when every selected stage was pushed, 1 otherwise.
            """)

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var remote: RemoteFlags

    @Argument(help: "Stage names (default: every stage).")
    var stages: [String] = []

    func run() throws {
        let setup = try TransferSetup(projectOptions, remote, stages: stages)
        let (project, reporter, cache, selection) = (setup.project, setup.reporter, setup.cache, setup.selection)
        let start = Date()
        let report = try reporting { try RemoteSync(project: project, remote: cache).push(selection) { reporter.message($0) } }
        for (name, problem) in report.problems { print("not pushed  \(name): \(problem)") }
        let s = cache.stats
        print("pushed \(report.done.count) of \(selection.count) stages to \(cache.display): \(s.uploadedObjects) objects uploaded (\(RemoteStats.bytes(s.uploadedBytes))), the rest already there, in \(ConsoleReporter.duration(Date().timeIntervalSince(start)))")
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

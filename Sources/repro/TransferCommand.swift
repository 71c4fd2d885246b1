import ArgumentParser
import EngineCore
import Foundation
import RemoteCache

/// The one body of `push` and `pull`: their options, the run, the summary.
struct TransferOptions: ParsableArguments {
    enum Direction { case push, pull }

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var remote: RemoteFlags

    @Argument(help: "Stage names (default: every stage).")
    var stages: [String] = []

    func run(_ direction: Direction) throws {
        let setup = try TransferSetup(projectOptions, remote, stages: stages)
        let (project, reporter, cache, selection) = (setup.project, setup.reporter, setup.cache, setup.selection)
        let start = Date()
        let sync = RemoteSync(project: project, remote: cache)
        let report = try reporting {
            switch direction {
            case .push: try sync.push(selection) { reporter.message($0) }
            case .pull: try sync.pull(selection) { reporter.message($0) }
            }
        }
        let verb = direction == .push ? "pushed" : "pulled"
        for (name, problem) in report.problems { print("not \(verb)  \(name): \(problem)") }
        let s = cache.stats, took = ConsoleReporter.duration(Date().timeIntervalSince(start))
        switch direction {
        case .push:
            print("pushed \(report.done.count) of \(selection.count) stages to \(cache.display): \(s.pushedObjects), in \(took)")
        case .pull:
            print("pulled \(report.done.count) stages from \(cache.display) (\(s.downloadedObjects) objects, \(RemoteStats.bytes(s.downloadedBytes))), \(report.upToDate.count) already in place, \(report.problems.count) not pulled, in \(took)")
        }
        if !report.problems.isEmpty { throw ExitCode(.stageFailed) }
    }
}

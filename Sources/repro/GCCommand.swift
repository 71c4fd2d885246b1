import ArgumentParser
import Changes
import EngineCore
import StageAPI

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete cache entries that repro.lock no longer uses (and leftover temp files).",
        discussion: "Entries an experiment's workspace uses are kept (repro exp remove NAME lets them go).")

    @OptionGroup var projectOptions: ProjectOptions

    @Flag(help: "Only report what would be deleted.")
    var dryRun = false

    func run() throws {
        let project = try projectOptions.load()
        let experiments = Experiments(projectRoot: project.root)
        let kept = experiments.names().compactMap { try? LockFile.load(from: experiments.dir.appendingPathComponent($0).appendingPathComponent(project.lockName)) }
        let r = try reporting { try GarbageCollector(project: project, alsoKeep: kept).collect(dryRun: dryRun) }
        let verb = dryRun ? "would remove" : "removed"
        print("\(verb) \(r.runsRemoved) run records, \(r.objectsRemoved) objects (\(r.bytesFreed) bytes) and \(r.temporariesRemoved) abandoned temporary files; kept \(r.runsKept) runs, \(r.objectsKept) objects")
    }
}

import ArgumentParser
import Engine

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete cache entries that repro.lock no longer uses (and leftover temp files).")

    @OptionGroup var projectOptions: ProjectOptions

    @Flag(help: "Only report what would be deleted.")
    var dryRun = false

    func run() throws {
        let project = try projectOptions.load()
        let r = try reporting { try GarbageCollector(project: project).collect(dryRun: dryRun) }
        let verb = dryRun ? "would remove" : "removed"
        print("\(verb) \(r.runsRemoved) run records, \(r.objectsRemoved) objects (\(r.bytesFreed) bytes) and \(r.temporariesRemoved) abandoned temporary files; kept \(r.runsKept) runs, \(r.objectsKept) objects")
    }
}

import ArgumentParser
import EngineCore
import StageAPI
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which stages are out of date, and why.",
        discussion: "Exit 0 if everything is up to date, 2 if anything would run or be restored. Without stage names or --json, it answers from the no-op proof of an earlier all-up-to-date run or status when that still holds.")

    @OptionGroup var projectOptions: ProjectOptions

    @Flag(help: "Machine-readable output (one object per stage).")
    var json = false

    @Argument(help: "Stages to consider (default: all).", completion: StageCompletion.kind)
    var stages: [String] = []

    func run() throws {
        if !json, stages.isEmpty, let n = projectOptions.upToDateShortcut(writers: [.run, .status]) {
            print("all \(n) stages up to date")
            return
        }
        let project = try projectOptions.load()
        let selection = try reporting {
            stages.isEmpty ? Array(project.pipeline.stages.indices) : try project.pipeline.select(stages)
        }
        let items = try reporting { try Inspector(project: project).status(selection) }
        let stale = project.staleSources(for: selection)
        if json {
            var out = "{\"stages\":["
            out += items.map { item in
                var o = Value.Object()
                o["name"] = .string(item.name)
                o["state"] = .string(Self.state(item.outcome))
                o["reasons"] = .array(item.reasons.map(Value.string))
                return Value.object(o).canonicalJSON
            }.joined(separator: ",")
            out += "],\"stale_binary_sources\":[\(stale.map { Value.string($0).canonicalJSON }.joined(separator: ","))]}\n"
            ConsoleOutput.out(out)
        } else {
            if !stale.isEmpty {
                print("warning: this repro binary was built from other sources than those on disk (\(stale.prefix(3).joined(separator: ", "))…); rebuild it")
            }
            let outOfDate = items.filter { $0.outcome != .upToDate }
            for item in outOfDate {
                print("\(Self.state(item.outcome).padding(toLength: 14, withPad: " ", startingAt: 0))\(item.name)")
                for r in item.reasons { print("              - \(r)") }
            }
            let n = outOfDate.count
            print(n == 0 ? "all \(items.count) stages up to date" : "\(n) of \(items.count) stages out of date")
        }
        if items.contains(where: { $0.outcome != .upToDate }) { throw ExitCode(.outOfDate) }
    }

    static func state(_ o: Outcome) -> String {
        switch o {
        case .upToDate: "up-to-date"
        case .wouldRestore: "cached"
        case .wouldRun: "out-of-date"
        case .failed: "missing-input"
        default: o.label
        }
    }
}

import ArgumentParser
import EngineCore
import StageAPI

struct Why: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain why a stage would run: which key field changed, old and new values.")

    @OptionGroup var projectOptions: ProjectOptions

    @Argument(help: "Stage names.", completion: StageCompletion.kind)
    var stages: [String]

    func run() throws {
        let project = try projectOptions.load()
        let selection = try reporting { try project.pipeline.select(stages, upstreamToo: false) }
        let inspector = Inspector(project: project)
        for i in selection {
            let name = project.pipeline.stages[i].name
            let reasons = try reporting { try inspector.why(i) }
            if reasons.isEmpty {
                print("\(name): up to date (key and outputs match \(project.lockName))")
            } else {
                print("\(name):")
                for r in reasons { print("  - \(r)") }
            }
        }
    }
}

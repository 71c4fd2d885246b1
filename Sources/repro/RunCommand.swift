import ArgumentParser
import EngineCore
import StageAPI

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the named stages and what they depend on.",
        discussion: """
            A name may be a full stage name (`sweep@d=10,seed=1`) or the name of a matrix \
            entry (`sweep`), which selects all its instances.
            """)

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var flags: RunFlags

    @Flag(help: "Also run every stage downstream of the named ones.")
    var downstream = false

    @Flag(help: "Run only the named stages, not their upstream (inputs must already be on disk).")
    var noDeps = false

    @Argument(help: "Stage names.", completion: StageCompletion.kind)
    var stages: [String]

    func validate() throws {
        guard !stages.isEmpty else { throw ValidationError("name at least one stage (`repro dag` lists them)") }
    }

    func run() throws {
        let project = try projectOptions.load()
        let selection = try reporting { try project.pipeline.select(stages, upstreamToo: !noDeps, downstreamToo: downstream) }
        try flags.execute(project, selection: selection, projectFile: projectOptions.file)
    }
}

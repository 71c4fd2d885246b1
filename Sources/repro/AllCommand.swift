import ArgumentParser
import EngineCore
import StageAPI

struct All: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage that is out of date (restoring from the cache what it can).",
        discussion: "Exit 0 when every stage succeeded, 1 if one failed, 130 if interrupted. "
            + "When a run finds every stage up to date, it records the facts that finding rested on (.repro/uptodate.repro.lock); "
            + "the next plain `repro all` checks them instead of keying every stage (README: \"A no-op answers from a proof\").")

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var flags: RunFlags

    func run() throws {
        if flags.upToDateShortcut(projectOptions) { return }
        let project = try projectOptions.load()
        try flags.execute(project, selection: Array(project.pipeline.stages.indices), projectFile: projectOptions.file)
    }
}

import ArgumentParser
import EngineCore
import StageAPI

@main
struct Repro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repro",
        abstract: "Regenerate a paper's figures, deterministically, from pipeline.yaml.",
        discussion: """
            repro reads pipeline.yaml (stages: kind, params, deps, outs), runs what is out of \
            date in dependency order, restores from its content-addressed cache what it has \
            computed before, and records every stage's key and output digests in repro.lock.

            A dep `NAME@*` gathers every out of every instance of the matrix stage NAME, in \
            matrix order; `kind: concat` joins such CSVs under one header (`repro kinds concat`).

            EXIT CODES
            \(ExitStatus.table)
            """,
        subcommands: [All.self, Run.self, Status.self, Verify.self, Why.self, Diff.self, Exp.self, Dag.self, Check.self, Log.self, GC.self, Push.self, Pull.self, Kinds.self, ExecStage.self])

    static func main() {
        // A closed stdout (`repro all | head`) must end output, not the run.
        ConsoleOutput.ignoreSIGPIPE()
        Interrupts.start()
        main(nil)
    }
}

import ArgumentParser
import Engine

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
              0   success (status: everything up to date)
              1   a stage failed
              2   status: something is out of date
              3   verify: outputs on disk differ from repro.lock
              4   check --rebuild: a stage is not deterministic
              6   diff: differences (no claim flipped)
              7   diff: a claim flipped
              64  usage error (unknown stage, stale binary, bad option)
              65  pipeline.yaml is invalid (errors name file:line:column)
              130 interrupted (Ctrl-C); finished stages are kept, the rest untouched
            """,
        subcommands: [All.self, Run.self, Status.self, Verify.self, Why.self, Diff.self, Exp.self, Dag.self, Check.self, Log.self, GC.self, Push.self, Pull.self, Kinds.self, ExecStage.self])

    static func main() {
        // A closed stdout (`repro all | head`) must end output, not the run.
        ConsoleOutput.ignoreSIGPIPE()
        Interrupts.start()
        main(nil)
    }
}

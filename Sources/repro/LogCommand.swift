import ArgumentParser
import EngineCore
import StageAPI
import Foundation

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the run records of .repro/runs.jsonl: every attempt at running a stage, latest last.",
        discussion: """
            One row per attempt (ran, failed or cancelled; restored and up-to-date stages run nothing): \
            when it started (UTC), where (executor, host, Slurm job), wall and CPU time, peak memory, \
            the CPUs it was charged against -j, its exit status and, for retried jobs, why. CPU is the \
            time of the stage's own threads and child processes; peak memory marked * is the whole \
            repro process's (a stage without child processes), shared with stages that ran beside it.
            """)

    @OptionGroup var projectOptions: ProjectOptions

    @Argument(help: "Show only these stages (a matrix entry's name selects all its instances).", completion: StageCompletion.kind)
    var stages: [String] = []

    @Flag(help: "Print the matching lines of runs.jsonl as they are.")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: projectOptions.project).appendingPathComponent(".repro").appendingPathComponent(RunLog.fileName)
        let (records, malformed) = try reporting { try RunLog.read(url) }
        for n in malformed { printError("repro log: skipped line \(n) of .repro/\(RunLog.fileName): not a run record") }
        let chosen = records.filter { stages.isEmpty || stages.contains($0.record.stage) || stages.contains(Self.baseName($0.record.stage)) }
            .sorted { ($0.record.attempt.start, $0.line) < ($1.record.attempt.start, $1.line) }
        if json {
            try emit(chosen.map { $0.record.jsonLine + "\n" }.joined(), command: "repro log")
            return
        }
        if chosen.isEmpty {
            print(records.isEmpty ? "no run records yet (.repro/\(RunLog.fileName) is written by `repro all` and `repro run`)"
                                  : "no run records for \(stages.joined(separator: ", "))")
            return
        }
        print(RunTable.render(chosen.map(\.record)))
    }

    static func baseName(_ stage: String) -> String {
        stage.firstIndex(of: "@").map { String(stage[..<$0]) } ?? stage
    }
}

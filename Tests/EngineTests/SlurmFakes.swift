import Foundation
import Synchronization
import XCTest
@testable import EngineCore
import StageAPI
@testable import SlurmExecutor

/// Stand-ins for sbatch, squeue, scontrol and scancel (shell scripts in a
/// temporary directory). `plan` line k gives the final state of each task of
/// the k-th submission (its last word repeats for further tasks; the last line
/// for further submissions). A COMPLETED task writes `out/STAGE.txt` into its
/// staging directory and a usage file naming host nodeI; a REFUSED one ends
/// FAILED with exit 5 and exec-stage's key-mismatch line in its log; with `hold` present,
/// tasks stay RUNNING in squeue until scancel.
final class FakeSlurm {
    let dir: URL

    init(plan: [String]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-slurm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try (plan.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("plan"), atomically: true, encoding: .utf8)
        try script("sbatch", #"""
            d=$(dirname "$0")
            n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$d/count"
            printf '%s\n' "$*" >> "$d/sbatch.calls"
            array=no
            for a; do script=$a; case $a in --array=*) array=yes;; esac; done
            index=$(dirname "$script")/index.json
            job=$((100 + n))
            plan=$(sed -n "${n}p" "$d/plan"); [ -n "$plan" ] || plan=$(tail -n 1 "$d/plan")
            tasks=$(( $(wc -l < "$index") - 2 ))
            field() { printf '%s' "$1" | sed "s/.*\"$2\":\"\([^\"]*\)\".*/\1/"; }
            : > "$d/job-$job"
            i=0; set -- $plan
            while [ $i -lt $tasks ]; do
              st=$1; [ $# -gt 1 ] && shift
              line=$(sed -n "$((i + 2))p" "$index")
              staging=$(field "$line" staging); stage=$(field "$line" stage); usage=$(field "$line" usage)
              code=0:0
              case $st in
                COMPLETED) mkdir -p "$staging/out"; echo "ran $stage" > "$staging/out/$stage.txt"
                  printf '{"cpu_seconds": 1.5, "host": "node%s", "max_rss_kib": 2048, "start": 1700000000.0, "wall_seconds": 2.0}\n' $i > "$usage";;
                FAILED) code=3:0;;
              esac
              echo "task $i ran $stage" > "$(dirname "$script")/slurm-$i.log"
              if [ $st = REFUSED ]; then st=FAILED; code=5:0
                echo "repro exec-stage: key mismatch: stage '$stage' was submitted with key aaa, and here its key is bbb: input changed: data/x" >> "$(dirname "$script")/slurm-$i.log"
              fi
              if [ $array = yes ]; then id="${job}_$i"; rec="JobId=$((job + 1 + i)) ArrayJobId=$job ArrayTaskId=$i"
              else id=$job; rec="JobId=$job"; fi
              echo "$rec JobName=x JobState=$st Reason=None ExitCode=$code BatchHost=node$i" >> "$d/job-$job"
              [ -e "$d/hold" ] && echo "$id RUNNING" >> "$d/queue-$job"
              i=$((i + 1))
            done
            echo "$job"
            """#)
        try script("squeue", #"""
            d=$(dirname "$0"); printf '%s\n' "$*" >> "$d/squeue.calls"
            cat "$d/queue-$4" 2>/dev/null; exit 0
            """#)
        try script("scontrol", #"""
            d=$(dirname "$0"); cat "$d/job-$4"
            """#)
        try script("scancel", #"""
            d=$(dirname "$0"); printf '%s\n' "$*" >> "$d/scancel.calls"; rm -f "$d/queue-$1"
            """#)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    var tools: SlurmTools { SlurmTools(directory: dir.path) }

    func script(_ name: String, _ body: String) throws {
        let url = dir.appendingPathComponent(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o755)
    }

    func hold() throws { try Data().write(to: dir.appendingPathComponent("hold")) }

    func lines(_ file: String) -> [String] {
        ((try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
    var sbatchCalls: [String] { lines("sbatch.calls") }
    var scancelCalls: [String] { lines("scancel.calls") }
}

/// What one stage's `execute` did: its error, if any, and the events it sent.
struct SlurmRun {
    var error: Error?
    var events: [StageEvent]
    var attempts: [AttemptReport] { events.compactMap { if case .attempt(let a) = $0 { a } else { nil } } }
    var logs: [String] { events.compactMap { if case .log(let l) = $0 { l } else { nil } } }
}

/// Calls the executor's `execute` for `stages` of `t`'s pipeline at once, one
/// thread each (as the runner does), and returns what each did.
func executeConcurrently(_ executor: SlurmExecutor, _ t: TempProject, stages: [String],
                         cancelled: @escaping @Sendable () -> Bool = { false }) throws -> [String: SlurmRun] {
    let project = try t.project()
    let results = Mutex<[String: SlurmRun]>([:])
    let group = DispatchGroup()
    for name in stages {
        let i = try XCTUnwrap(project.pipeline.index(of: name))
        let events = Mutex<[StageEvent]>([])
        let staging = project.tmpDir.appendingPathComponent("\(i)-\(name)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let fields = KeyFields(kind: "count", code: "c", params: "{}", deps: [], outs: project.pipeline.stages[i].spec.outs)
        let key = TaskKey(key: fields.key, fields: fields)
        let ctx = project.context(for: i, staging: staging, parallelism: 1, noSandbox: true,
                                  reporter: { e in events.withLock { $0.append(e) } }, cancelled: cancelled)
        group.enter()
        Thread.detachNewThread {
            var error: Error?
            do { try executor.execute(project.pipeline.stages[i], context: ctx, key: key, project: project) } catch let e { error = e }
            let run = SlurmRun(error: error, events: events.withLock { $0 })
            results.withLock { $0[name] = run }
            group.leave()
        }
    }
    XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "the executor did not return within 60 s")
    return results.withLock { $0 }
}

/// A pipeline of independent stages s0, s1, ... each writing out/NAME.txt, with an executor block.
func slurmProject(stages: Int, executor: String = "", resources: [Int: String] = [:]) throws -> TempProject {
    var yaml = "executor:\n  poll_seconds: 0.05\n  array_window: 0.3\n" + executor + "stages:\n"
    for k in 0..<stages {
        yaml += "  s\(k):\n    kind: count\n    params: {value: \(k), counter: /dev/null}\n    outs: [out/s\(k).txt]\n"
        if let r = resources[k] { yaml += "    resources: \(r)\n" }
    }
    return try TempProject(["pipeline.yaml": yaml])
}

func slurmExecutor(_ t: TempProject, _ fake: FakeSlurm, throttle: Int = 8) throws -> SlurmExecutor {
    let project = try t.project()
    let config = try SlurmConfig(Params(project.pipeline.executorConfig, path: "executor"))
    return SlurmExecutor(config: config, pipelineFile: "pipeline.yaml", noSandbox: true, arrayThrottle: throttle, tools: fake.tools)
}

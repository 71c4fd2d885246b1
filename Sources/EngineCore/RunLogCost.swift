import Foundation
import StageAPI
import ProcessSpawn

/// `.repro/compute-cost.js`: for every stage, what its current outputs cost
/// to compute — its own run and those of every stage upstream of it — read
/// from the run records. The gallery page loads it with a `<script>` tag, so
/// the page itself stays byte-identical from run to run while showing this
/// machine's numbers. Like the run records, it is never committed.
///
///     window.reproComputeCost = {"fig4": {"cpu_seconds": 812.4, "measured": 13, "stages": 13, "wall_seconds": 431.9}, ...};
///
/// A stage counts with the latest successful run whose key is the stage's
/// key in the lock (a stage restored from the cache counts with the run that
/// filled the cache, when this machine made it); `measured` < `stages` says
/// some were computed elsewhere or before run records existed.
public enum ComputeCost {
    public static let fileName = "compute-cost.js"

    public static func url(in project: Project) -> URL { project.reproDir.appendingPathComponent(fileName) }

    /// Above this many stages the upstream closures (n² bits) are not worth their memory: no file is written.
    static let maxStages = 20_000

    public static func write(_ project: Project, lock: LockFile) throws {
        guard project.pipeline.stages.count <= maxStages else { return }
        let (records, _) = try RunLog.read(RunLog.url(in: project))
        var cost: [String: (wall: Double, cpu: Double)] = [:]  // by "stage key"
        for (_, r) in records where r.outcome == "ran" {
            cost[r.stage + " " + r.key] = (r.attempt.wallSeconds, r.attempt.cpuSeconds ?? 0)
        }
        let stages = project.pipeline.stages
        // Per stage, in pipeline (topological) order: its upstream closure as a bit set.
        var closure: [[UInt64]] = []
        closure.reserveCapacity(stages.count)
        let words = (stages.count + 63) / 64
        for (i, s) in stages.enumerated() {
            var bits = [UInt64](repeating: 0, count: words)
            bits[i / 64] |= 1 << UInt64(i % 64)
            for u in s.upstream { for w in 0..<words { bits[w] |= closure[u][w] } }
            closure.append(bits)
        }
        let own: [(wall: Double, cpu: Double)?] = stages.map { s in lock.stages[s.name].flatMap { cost[s.name + " " + $0.key] } }
        var o = Value.Object()
        for (i, s) in stages.enumerated() {
            var n = 0, measured = 0, wall = 0.0, cpu = 0.0
            for w in 0..<words where closure[i][w] != 0 {
                var bits = closure[i][w]
                while bits != 0 {
                    let j = w * 64 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    n += 1
                    if let c = own[j] { measured += 1; wall += c.wall; cpu += c.cpu }
                }
            }
            o[s.name] = .object(Value.Object([("stages", .int(n)), ("measured", .int(measured)),
                                              ("wall_seconds", .double(RunRecord.rounded(wall))), ("cpu_seconds", .double(RunRecord.rounded(cpu)))]))
        }
        let text = "window.reproComputeCost = " + Value.object(o).canonicalJSON + ";\n"
        try AtomicFile.write(Data(text.utf8), to: url(in: project), durable: false)
    }
}

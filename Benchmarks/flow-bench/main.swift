// flow-bench: reverse-KL training steps per second of RealNVP, the GFLOP/s
// they imply and their fraction of this core's measured peak, for the issue's
// two reference shapes and fig6's own (2x64, batch 256, d = 2 ... 32). On a
// shared machine the fastest step is the figure to compare (the mean counts
// the time other processes hold the core); Benchmarks/flow-vs-jax.sh puts it
// side by side with JAX. Build and run in release:
//
//     swift build -c release --product flow-bench && .build/release/flow-bench
//
// Options: --seconds S (per measurement, default 3), --threads T (also run T
// independent seeds at once, default 1), --config I (only configuration I),
// --steps N (only train N steps of the configurations and print a digest of
// the parameters: compare builds), --collapse D C S (fig6's setting, below),
// --kernels (each matrix product of a coupling timed alone). The kernels are
// the AVX-512 ones where the CPU has them; REPRO_FLOW_KERNELS=portable runs
// the portable (AVX2) ones instead, to compare the two in one binary.
// Without --precision it measures both precisions and ends with a table of
// steps/s and % of peak per shape and precision; --precision double|single
// measures one (single's % of peak is of the single-precision FMA loop: 8
// floats per FMA on the portable path, 16 on the AVX-512 one).
//
// A training step allocates nothing once the trainer exists: the heap totals
// of `valgrind .build/release/flow-bench --steps 3 --config 0` and of
// `--steps 13` are the same (419 allocations each, all at set-up).
import Dispatch
import Flows
import Foundation
import Synchronization

struct Config {
    var dim: Int
    var hidden: Int
    var batch: Int
    var name: String {
        "d=\(dim),".padding(toLength: 5, withPad: " ", startingAt: 0) + " 8 couplings, 2x\(hidden),".padding(toLength: 20, withPad: " ", startingAt: 0)
            + " batch \(batch)"
    }
}

/// The issue's two reference shapes, then fig6's own setting (2x64, batch 256).
let configs = [Config(dim: 2, hidden: 64, batch: 512), Config(dim: 32, hidden: 128, batch: 512)]
    + [2, 4, 8, 16, 32].map { Config(dim: $0, hidden: 64, batch: 256) }

struct Options {
    var seconds = 3.0, threads = 1, digestSteps: Int?, only: Int?
    var collapse: (d: Int, c: Double, seeds: Int)?
    var kernels = false
    /// --precision P: only P; default both, double first.
    var precisions = FlowPrecision.allCases
    /// The precision of --steps, --collapse and single-precision runs.
    var precision: FlowPrecision { precisions.count == 1 ? precisions[0] : .double }
    init() {
        var args = CommandLine.arguments.dropFirst()
        while let a = args.popFirst() {
            switch a {
            case "--seconds": seconds = Double(args.popFirst()!)!
            case "--threads": threads = Int(args.popFirst()!)!
            case "--steps": digestSteps = Int(args.popFirst()!)!
            case "--config": only = Int(args.popFirst()!)!
            case "--kernels": kernels = true
            case "--precision": precisions = [FlowPrecision(rawValue: args.popFirst()!)!]
            case "--collapse":
                collapse = (Int(args.popFirst()!)!, Double(args.popFirst()!)!, Int(args.popFirst()!)!)
            default: print("unknown option \(a)"); exit(2)
            }
        }
    }
}
let options = Options()
let threads = options.threads, digestSteps = options.digestSteps

func trainer(_ c: Config, seed: UInt64, precision: FlowPrecision = options.precision) -> ReverseKLTrainer {
    let arch = FlowArchitecture(dim: c.dim, couplingLayers: 8, hidden: [c.hidden, c.hidden], lastLayerScale: 0.01)
    let flow = RealNVP(arch, maskSeed: seed)
    return ReverseKLTrainer(flow: flow, target: .symmetric(dim: c.dim, mu: 4),
                            config: TrainingConfig(batch: c.batch, precision: precision), seed: seed)
}

/// Flops of one training step: forward, ∂W (same count), ∂input (same, less
/// the first coupling's first layer, whose input gradient is not needed).
func stepFlops(_ t: ReverseKLTrainer) -> Double {
    let batch = t.config.batch
    let f = t.flow.denseFlops(rows: batch)
    let l0 = t.flow.layers[0]
    return 3 * f - 2 * Double(batch * l0.widths[0] * l0.widths[1])
}

func digest(_ b: Buffer) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in 0..<b.count { h = (h ^ b[i].bitPattern) &* 0x0000_0100_0000_01b3 }
    return String(h, radix: 16)
}

/// CPU time of the calling thread: on a shared machine, wall time also counts
/// the time other processes hold the core.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Steps per second of one trainer over about `seconds`: by wall time, by the
/// thread's CPU time, and from the fastest single step (the least disturbed
/// by other processes on a shared machine).
func measure(_ t: ReverseKLTrainer, seconds: Double) -> (wall: Double, cpu: Double, best: Double) {
    for _ in 0..<10 { t.trainStep() }  // warm-up
    let start = DispatchTime.now().uptimeNanoseconds, cpu0 = threadCPUSeconds()
    var steps = 0, elapsed = 0.0, bestStep = Double.infinity
    repeat {
        let c0 = DispatchTime.now().uptimeNanoseconds
        t.trainStep()
        let now = DispatchTime.now().uptimeNanoseconds
        bestStep = min(bestStep, Double(now - c0) * 1e-9)
        steps += 1
        elapsed = Double(now - start) * 1e-9
    } while elapsed < seconds
    return (Double(steps) / elapsed, Double(steps) / (threadCPUSeconds() - cpu0), 1 / bestStep)
}

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
        .joined(separator: " ") ?? "?"
}

// --collapse D C S: figures.md's fig6 setting (8 couplings, 2x64 tanh, batch
// 256, Adam 1e-3, 1500 steps, |μ| = 4) at dimension D, init scale C, seeds
// 1...S on `--threads` threads: the final mode masses.
if let (d, c, n) = options.collapse {
    let exp = FlowExperiment(
        architecture: FlowArchitecture(dim: d, couplingLayers: 8, hidden: [64, 64], lastLayerScale: c),
        target: .symmetric(dim: d, mu: 4), training: TrainingConfig(batch: 256, precision: options.precision),
        steps: 1500, logEvery: 250)
    let t0 = DispatchTime.now().uptimeNanoseconds
    let results = try exp.runAll(seeds: (1...n).map(UInt64.init), threads: threads)
    var collapsed = 0
    for r in results {
        let m = r.log.map { min($0.metrics.massPlus, 1 - $0.metrics.massPlus) }
        if m.last! < 0.1 { collapsed += 1 }
        print("seed \(r.seed): min mass by step \(r.log.map(\.step)): \(m.map { String(format: "%.3f", $0) }), KL \(String(format: "%.3f", r.log.last!.metrics.kl.mean))")
    }
    print("d=\(d) c=\(c): \(collapsed)/\(n) collapsed (min mass < 0.1), \(String(format: "%.1f", Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)) s")
    exit(0)
}

if let n = digestSteps {
    for (ci, c) in configs.enumerated() where options.only == nil || options.only == ci {
        let t = trainer(c, seed: 1)
        for _ in 0..<n { t.trainStep() }
        print("\(c.name): params digest after \(n) steps: \(digest(t.params))")
    }
    exit(0)
}

if options.kernels {
    let (peak, peakLine) = peakOfActivePath()
    print(peakLine)
    print("FastMath.tanh: \(String(format: "%.2f", timeTanh() * 1e9)) ns per element")
    printKernelTimes(k: 1, h: 64, m2: 2, rows: 512, peak: peak)
    printKernelTimes(k: 16, h: 128, m2: 32, rows: 512, peak: peak)
    printKernelTimes(k: 8, h: 64, m2: 16, rows: 256, peak: peak)
    exit(0)
}

let (doublePeak, peakLine) = peakOfActivePath()
let singlePeak = options.precisions.contains(.single) ? singlePeakOfActivePath() : nil
/// Per configuration and precision: steps/s (fastest step) and % of peak.
var summary: [FlowPrecision: [Int: (sps: Double, percent: Double)]] = [:]
for precision in options.precisions {
    let peak = precision == .single ? singlePeak!.peak : doublePeak
    print("flow-bench: RealNVP reverse-KL training, \(precision.rawValue) precision (load average \(loadAverage()))")
    print(peakLine + (precision == .single ? "; " + singlePeak!.line : ""))
    print("steps/s: from the fastest step, then the mean over \(options.seconds) s by wall time and by this thread's CPU time"
          + " (on a loaded machine the fastest step and the CPU-time rate are the figures to compare); GFLOP/s and % of"
          + " peak from the fastest step")
    for (ci, c) in configs.enumerated() where options.only == nil || options.only == ci {
        let t = trainer(c, seed: 1, precision: precision)
        let flops = stepFlops(t)
        let sps = measure(t, seconds: options.seconds)
        let percent = 100 * sps.best * flops / peak
        summary[precision, default: [:]][ci] = (sps.best, percent)
        print("[\(ci)] \(c.name): \(String(format: "%7.1f", sps.best)) steps/s (mean \(String(format: "%6.1f", sps.wall)), cpu \(String(format: "%6.1f", sps.cpu)))"
              + "  \(String(format: "%5.1f", sps.best * flops / 1e9)) GFLOP/s  \(String(format: "%3.0f", percent))% of peak"
              + "  (\(String(format: "%.1f", flops / 1e6)) MFLOP/step, \(t.flow.paramCount) params)")
        if threads > 1 {
            // T independent seeds at once: aggregate throughput (each seed's result
            // is the same as when run alone: no work is split inside a step).
            let rates = Mutex<[(wall: Double, cpu: Double, best: Double)]>([])
            let trainers = (0..<threads).map { trainer(c, seed: UInt64(1 + $0), precision: precision) }
            nonisolated(unsafe) let ts = trainers
            let secs = options.seconds
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                let r = measure(ts[i], seconds: secs)
                rates.withLock { $0.append(r) }
            }
            let total = rates.withLock { $0.reduce(0) { $0 + $1.wall } }
            print("    \(threads) threads: \(String(format: "%7.1f", total)) steps/s  \(String(format: "%5.1f", total * flops / 1e9)) GFLOP/s (aggregate of \(threads) seeds, mean wall time)")
        }
    }
}

// Both precisions: the issue's table, one row per shape.
if options.precisions.count > 1 {
    print(String(format: "summary (fastest step; peaks: double %.1f, single %.1f GFLOP/s):", doublePeak / 1e9,
                 singlePeak!.peak / 1e9))
    print("  shape                                    | double steps/s  % peak | single steps/s  % peak")
    for (ci, c) in configs.enumerated() where options.only == nil || options.only == ci {
        let d = summary[.double]![ci]!, s = summary[.single]![ci]!
        print("  [\(ci)] \(c.name.padding(toLength: 36, withPad: " ", startingAt: 0)) | \(String(format: "%14.1f  %5.0f%%", d.sps, d.percent))"
              + " | \(String(format: "%14.1f  %5.0f%%", s.sps, s.percent))")
    }
}

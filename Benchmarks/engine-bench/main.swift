// Engine benchmark: a synthetic 500-stage pipeline (a fan-out tree from one
// source, then a fan-in of all 250 leaves), small files, run through the real
// release `repro` binary. Prints the time of a cold run of trivial stages, of
// a no-op `repro all` (everything up to date), of `repro status`, and of a
// dry run. Usage: swift run -c release engine-bench [STAGES] [REPEATS]
//
// `engine-bench cells [CELLS] [REPEATS]`: a sweep sharded into cells, a
// matrix of CELLS (default 250) in-process `concat` stages (no process is
// started: what is left is the engine's own cost) gathered by one `concat`
// over `cell@*`; cold, no-op and status in the same terms.
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
let cellsMode = arguments.first == "cells"
if cellsMode { arguments.removeFirst() }
let stages = arguments.count > 0 ? Int(arguments[0]) ?? (cellsMode ? 250 : 500) : (cellsMode ? 250 : 500)
let repeats = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("repro")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    print("build the CLI first: swift build -c release --product repro")
    exit(1)
}

let root = FileManager.default.temporaryDirectory.appendingPathComponent("repro-bench-\(getpid())")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }
try Data("seed\n".utf8).write(to: root.appendingPathComponent("src.txt"))

var yaml = "stages:\n"
let n: Int
if cellsMode {
    // CELLS cells of one axis, each copying a one-row CSV, then the gather: CELLS + 1 stages.
    try Data("cell,value\n0,1\n".utf8).write(to: root.appendingPathComponent("src.csv"))
    yaml += "  cell:\n    kind: concat\n    matrix:\n      k: [\((0..<stages).map(String.init).joined(separator: ", "))]\n"
    yaml += "    deps: [src.csv]\n    outs: [\"out/cell-${k}.csv\"]\n"
    yaml += "  gather:\n    kind: concat\n    deps: [cell@*]\n    outs: [out/all.csv]\n"
    n = stages + 1
} else {
    // Stage i (1..<n-1) reads stage (i-1)/2's output: a binary tree; the last stage reads every leaf.
    n = stages
    let firstLeaf = (n - 1) / 2
    for i in 0..<n {
        let deps: [String]
        if i == 0 { deps = ["src.txt"] } else if i < n - 1 { deps = ["out/\((i - 1) / 2).txt"] } else { deps = (firstLeaf..<(n - 1)).map { "out/\($0).txt" } }
        yaml += "  s\(i):\n    kind: shell\n    params:\n      argv: [sh, -c, \"cat \(deps.joined(separator: " ")) > out/\(i).txt\"]\n"
        yaml += "    deps: [\(deps.joined(separator: ", "))]\n    outs: [out/\(i).txt]\n"
    }
}
try Data(yaml.utf8).write(to: root.appendingPathComponent("pipeline.yaml"))

/// Wall time of one `repro` invocation. posix_spawn + waitpid: Foundation's
/// Process.waitUntilExit polls its run loop every 50 ms, which would quantise
/// every measurement to 50 ms.
func time(_ args: [String], expect: Int32) throws -> Double {
    let argv = [binary.path] + args + ["-C", root.path]
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawn(&pid, binary.path, &actions, nil, cArgs, environ) == 0 else { throw CocoaError(.fileNoSuchFile) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let code = (status >> 8) & 0xff
    guard code == expect else {
        print("repro \(args.joined(separator: " ")) exited \(code), expected \(expect)")
        exit(1)
    }
    return t
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
func ms(_ t: Double) -> String { String(Double(Int(t * 10000)) / 10) + " ms" }

/// A cold run (no cache, no lock, no outputs) with these extra flags.
func cold(_ flags: [String]) throws -> Double {
    for p in [".repro", "repro.lock", "out"] { try? FileManager.default.removeItem(at: root.appendingPathComponent(p)) }
    return try time(["all", "-q"] + flags, expect: 0)
}

if cellsMode {
    print("repro engine benchmark: \(stages) concat cells + 1 gather over cell@*, release binary \(binary.path)")
    // Best of 3 cold runs at -j 1 and -j 2, alternated.
    var one: [Double] = [], two: [Double] = []
    for _ in 0..<3 {
        one.append(try cold(["-j", "1"]))
        two.append(try cold(["-j", "2"]))
    }
    sleep(3)  // past the stat cache's racy window
    let noop = median(try (0..<repeats).map { _ in try time(["all", "-q"], expect: 0) })
    let status = median(try (0..<repeats).map { _ in try time(["status"], expect: 0) })
    let dry = median(try (0..<repeats).map { _ in try time(["all", "-q", "--dry-run"], expect: 0) })
    print("cold run, -j 1:              \(ms(one.min()!)) total, \(ms(one.min()! / Double(n))) per stage (best of 3)")
    print("cold run, -j 2:              \(ms(two.min()!)) total, \(ms(two.min()! / Double(n))) per stage (best of 3)")
    print("no-op `repro all`:           \(ms(noop)) (median of \(repeats))")
    print("`repro status`:              \(ms(status)) (median of \(repeats))")
    print("`repro all --dry-run`:       \(ms(dry)) (median of \(repeats))")
    exit(0)
}
print("repro engine benchmark: \(n) stages (fan-out tree + fan-in), release binary \(binary.path)")
// Sandboxed and unsandboxed cold runs alternate, so machine noise hits both alike; best of 3 each.
var sandboxed: [Double] = [], bare: [Double] = []
for _ in 0..<3 {
    sandboxed.append(try cold(["-j", "1"]))
    bare.append(try cold(["-j", "1", "--no-sandbox"]))
}
let cold2 = try cold(["-j", "2"])
sleep(3)  // let the outputs age past the stat cache's racy window, as they would in real use
let noop = median(try (0..<repeats).map { _ in try time(["all", "-q"], expect: 0) })
let status = median(try (0..<repeats).map { _ in try time(["status"], expect: 0) })
let dry = median(try (0..<repeats).map { _ in try time(["all", "-q", "--dry-run"], expect: 0) })
let sb = sandboxed.min()!, nb = bare.min()!
print("cold run, -j 1, sandboxed:   \(ms(sb)) total, \(ms(sb / Double(n))) per stage (best of 3)")
print("cold run, -j 1, --no-sandbox: \(ms(nb)) total, \(ms(nb / Double(n))) per stage (best of 3)")
print("  sandbox overhead:          \(ms((sb - nb) / Double(n))) per stage")
print("cold run, -j 2, sandboxed:   \(ms(cold2)) total, \(ms(cold2 / Double(n))) per stage")
print("  (each stage forks sh and cat: that is included)")
print("no-op `repro all`:           \(ms(noop)) (median of \(repeats))")
print("`repro status`:              \(ms(status)) (median of \(repeats))")
print("`repro all --dry-run`:       \(ms(dry)) (median of \(repeats))")

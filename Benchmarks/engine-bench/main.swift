// Engine benchmark: synthetic pipelines (a fan-out tree of trivial `cat`
// stages from one source, then one stage reading every leaf; above 2 000
// leaves, through gathers of 1 000), run through the
// real release `repro` binary, at 500 and 10 000 stages (or the sizes given).
// Prints, with wall and CPU time (the repro process and its children) and
// peak memory: a cold run at -j 2, sandboxed and --no-sandbox; a no-op
// `repro all` (everything up to date); `repro status`; and, for comparison,
// what one `bwrap ... true` costs (with and without a network namespace).
// Usage: swift run -c release engine-bench [STAGES ...] [--repeats N]
//
// `engine-bench cells [CELLS] [REPEATS]`: a sweep sharded into cells, a
// matrix of CELLS (default 250) in-process `concat` stages (no process is
// started: what is left is the engine's own cost) gathered by one `concat`
// over `cell@*`; cold, no-op and status in the same terms.
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
let cellsMode = arguments.first == "cells"
if cellsMode { arguments.removeFirst() }
var repeats = 5
if let i = arguments.firstIndex(of: "--repeats"), i + 1 < arguments.count {
    repeats = Int(arguments[i + 1]) ?? 5
    arguments.removeSubrange(i...(i + 1))
}
let sizes = arguments.compactMap { Int($0) }
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("repro")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    print("build the CLI first: swift build -c release --product repro")
    exit(1)
}

/// What one command cost: wall time, and CPU (user + system) and peak memory
/// of it and the children it waited for.
struct Cost {
    var wall: Double, cpu: Double, maxRSSMiB: Double
}

/// Runs `argv` to completion with stdout and stderr discarded. posix_spawn +
/// wait4: Foundation's Process.waitUntilExit polls its run loop every 50 ms,
/// which would quantise every measurement to 50 ms.
func run(_ argv: [String], expect: Int32 = 0) throws -> Cost {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else { throw CocoaError(.fileNoSuchFile) }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let code = (status >> 8) & 0xff
    guard code == expect else {
        print("\(argv.joined(separator: " ")) exited \(code), expected \(expect)")
        exit(1)
    }
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return Cost(wall: wall, cpu: s(usage.ru_utime) + s(usage.ru_stime), maxRSSMiB: Double(usage.ru_maxrss) / 1024)
}

func median(_ xs: [Cost]) -> Cost { xs.sorted { $0.wall < $1.wall }[xs.count / 2] }
func ms(_ t: Double) -> String { String(format: "%.1f ms", t * 1000) }
func secs(_ t: Double) -> String { t >= 1 ? String(format: "%.2f s", t) : ms(t) }
func line(_ label: String, _ c: Cost, per n: Int? = nil, note: String = "") -> String {
    var out = label.padding(toLength: 42, withPad: " ", startingAt: 0)
    out += "\(secs(c.wall)) wall, \(secs(c.cpu)) CPU (\(String(format: "%.2f", c.cpu / c.wall))x), \(String(format: "%.0f", c.maxRSSMiB)) MiB"
    if let n { out += ", \(ms(c.wall / Double(n))) per stage" }
    return out + note
}

/// A project directory holding a pipeline of `n` stages.
func project(_ n: Int, cells: Bool) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("repro-bench-\(getpid())-\(n)")
    try? FileManager.default.removeItem(at: root)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try Data("seed\n".utf8).write(to: root.appendingPathComponent("src.txt"))
    var yaml = "stages:\n"
    if cells {
        // n cells of one axis, each copying a one-row CSV, then the gather: n + 1 stages.
        try Data("cell,value\n0,1\n".utf8).write(to: root.appendingPathComponent("src.csv"))
        yaml += "  cell:\n    kind: concat\n    matrix:\n      k: [\((0..<n).map(String.init).joined(separator: ", "))]\n"
        yaml += "    deps: [src.csv]\n    outs: [\"out/cell-${k}.csv\"]\n"
        yaml += "  gather:\n    kind: concat\n    deps: [cell@*]\n    outs: [out/all.csv]\n"
    } else {
        // Stage i (1..<tree) reads stage (i-1)/2's output: a binary tree; the last stage reads every leaf. Above
        // 2 000 leaves they are first gathered 1 000 at a time (a sandboxed stage binds at most ~2 990 deps).
        let leaves = (n - 1) - (n - 1) / 2
        let groups = leaves > 2_000 ? (leaves + 999) / 1_000 : 0
        let tree = n - 1 - groups
        let firstLeaf = (tree - 1) / 2
        let leafPaths = (firstLeaf..<tree).map { "out/\($0).txt" }
        for i in 0..<n {
            let deps: [String]
            if i == 0 { deps = ["src.txt"] } else if i < tree { deps = ["out/\((i - 1) / 2).txt"] } else if i < n - 1 {
                deps = Array(leafPaths[((i - tree) * leafPaths.count / groups)..<((i - tree + 1) * leafPaths.count / groups)])
            } else { deps = groups > 0 ? (tree..<(n - 1)).map { "out/\($0).txt" } : leafPaths }
            yaml += "  s\(i):\n    kind: shell\n    params:\n      argv: [sh, -c, \"cat \(deps.joined(separator: " ")) > out/\(i).txt\"]\n"
            yaml += "    deps: [\(deps.joined(separator: ", "))]\n    outs: [out/\(i).txt]\n"
        }
    }
    try Data(yaml.utf8).write(to: root.appendingPathComponent("pipeline.yaml"))
    return root
}

func repro(_ root: URL, _ args: [String], expect: Int32 = 0) throws -> Cost {
    try run([binary.path] + args + ["-C", root.path, "--max-stages", "1000000"], expect: expect)
}

/// A cold run (no cache, no lock, no outputs) with these extra flags.
func cold(_ root: URL, _ flags: [String]) throws -> Cost {
    for p in [".repro", "repro.lock", "out"] { try? FileManager.default.removeItem(at: root.appendingPathComponent(p)) }
    return try repro(root, ["all", "-q"] + flags)
}

if cellsMode {
    let cells = sizes.first ?? 250
    let root = try project(cells, cells: true)
    defer { try? FileManager.default.removeItem(at: root) }
    print("repro engine benchmark: \(cells) concat cells + 1 gather over cell@*, release binary \(binary.path)")
    // Best of 3 cold runs at -j 1 and -j 2, alternated.
    var one: [Cost] = [], two: [Cost] = []
    for _ in 0..<3 {
        one.append(try cold(root, ["-j", "1"]))
        two.append(try cold(root, ["-j", "2"]))
    }
    sleep(3)  // past the stat cache's racy window
    print(line("cold run, -j 1 (best of 3):", one.min { $0.wall < $1.wall }!, per: cells + 1))
    print(line("cold run, -j 2 (best of 3):", two.min { $0.wall < $1.wall }!, per: cells + 1))
    print(line("no-op `repro all`:", median(try (0..<repeats).map { _ in try repro(root, ["all", "-q"]) })))
    print(line("`repro status`:", median(try (0..<repeats).map { _ in try repro(root, ["status"]) })))
    exit(0)
}

print("repro engine benchmark: fan-out tree + fan-in of trivial shell stages, release binary \(binary.path)")
// bwrap alone, as the sandbox starts it per stage (a fresh set of namespaces), with and without a network namespace.
if let bwrap = ["/usr/bin/bwrap", "/bin/bwrap"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
    let base = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--die-with-parent"]
    for (label, ns) in [("`bwrap --unshare-all true`:", ["--unshare-all"]), ("`bwrap --unshare-all --share-net true`:", ["--unshare-all", "--share-net"])] {
        var costs: [Cost] = []
        for _ in 0..<20 { costs.append(try run(base + ns + ["true"])) }
        print(line(label, median(costs), note: " (median of 20)"))
    }
}
for n in sizes.isEmpty ? [500, 10_000] : sizes {
    let root = try project(n, cells: false)
    defer { try? FileManager.default.removeItem(at: root) }
    print("-- \(n) stages")
    // Sandboxed and unsandboxed cold runs alternate, so machine noise hits both alike; best of 3 each (1 above 2 000 stages).
    let tries = n > 2_000 ? 1 : 3
    var sandboxed: [Cost] = [], bare: [Cost] = []
    for _ in 0..<tries {
        sandboxed.append(try cold(root, ["-j", "2"]))
        bare.append(try cold(root, ["-j", "2", "--no-sandbox"]))
    }
    let sb = sandboxed.min { $0.wall < $1.wall }!, nb = bare.min { $0.wall < $1.wall }!
    sleep(3)  // let the outputs age past the stat cache's racy window, as they would in real use
    let r = n > 2_000 ? max(1, repeats / 2) : repeats
    print(line("cold, -j 2, sandboxed:", sb, per: n, note: tries > 1 ? " (best of \(tries))" : ""))
    print(line("cold, -j 2, --no-sandbox:", nb, per: n, note: tries > 1 ? " (best of \(tries))" : ""))
    print("  sandbox overhead:".padding(toLength: 42, withPad: " ", startingAt: 0) + "\(ms((sb.wall - nb.wall) / Double(n))) wall per stage")
    // The first no-op decides (parses and keys every stage) and writes the no-op proof; the next ones answer from it.
    print(line("first no-op `repro all` (decides):", try repro(root, ["all", "-q"])))
    print(line("no-op `repro all`:", median(try (0..<r).map { _ in try repro(root, ["all", "-q"]) }), note: " (median of \(r))"))
    print(line("`repro status`:", median(try (0..<r).map { _ in try repro(root, ["status"]) }), note: " (median of \(r))"))
}

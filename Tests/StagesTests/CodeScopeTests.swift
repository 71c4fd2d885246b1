import BuildInfo
import EngineCore
import StageAPI
import Foundation
import Stages
import ShellStages
import ConcatStages
import XCTest

/// A kind's code scope comes from the package graph: its own target and all
/// that target depends on. Checked exhaustively: for every kind the binary
/// registers and every source file it was built from, editing that file must
/// change the kind's code digest (so its keys) exactly when the file belongs
/// to a target the kind's target depends on, according to the graph SwiftPM
/// itself reads from Package.swift (`swift package dump-package`), not the
/// graph the plugin embedded.
final class CodeScopeTests: XCTestCase {
    let kinds: [any StageKind] = StageKinds.all + [ShellKind(), CSVConcatKind()]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Package.swift's targets as SwiftPM reads them: name -> (directory, in-package dependencies).
    static func packageGraph() throws -> [String: (path: String, deps: [String])] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Its own scratch path: `swift test` holds the lock on .build while this runs.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("repro-dump-package-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        p.arguments = ["swift", "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let targets = json["targets"] as? [[String: Any]] else { throw StageFailure("swift package dump-package failed") }
        let names = Set(targets.compactMap { $0["name"] as? String })
        var graph: [String: (path: String, deps: [String])] = [:]
        for t in targets {
            let name = t["name"] as! String, type = t["type"] as! String
            let base = type == "test" ? "Tests" : type == "plugin" ? "Plugins" : "Sources"
            let path = (t["path"] as? String) ?? "\(base)/\(name)"
            let deps = (t["dependencies"] as? [[String: Any]] ?? []).compactMap { d -> String? in
                // byName and target name a package target (byName may also name another package's product).
                guard let first = ((d["byName"] ?? d["target"]) as? [Any])?.first as? String, names.contains(first) else { return nil }
                return first
            }
            graph[name] = (path, deps)
        }
        return graph
    }

    static func closure(of name: String, in graph: [String: (path: String, deps: [String])]) -> Set<String> {
        var seen = Set<String>(), stack = [name]
        while let n = stack.popLast() {
            guard seen.insert(n).inserted else { continue }
            stack += graph[n]?.deps ?? []
        }
        return seen
    }

    func testEditingAnyFileChangesExactlyTheKindsWhoseTargetDependsOnIt() throws {
        let graph = try Self.packageGraph()
        let files = BuildInfo.sourceDigests
        let code = CodeDigests(files: files, targets: BuildInfo.targets)
        // The target each source file belongs to (SwiftPM targets never overlap).
        func target(of file: String) -> String? {
            graph.first { file.hasPrefix($0.value.path + "/") }?.key
        }
        XCTAssertGreaterThan(files.count, 150)
        for kind in kinds {
            let name = kind.codeTarget
            XCTAssertNotNil(graph[name], "kind '\(kind.name)': its code target \(name) is not a target of Package.swift")
            let mine = Self.closure(of: name, in: graph)
            let before = try XCTUnwrap(code.digest(forTarget: name), "kind '\(kind.name)': no code digest")
            var inScope = 0
            for (i, f) in files.enumerated() {
                var edited = files
                edited[i].sha256 = String(repeating: "0", count: 64)
                let after = CodeDigests(files: edited, targets: BuildInfo.targets).digest(forTarget: name)
                let expected = target(of: f.path).map(mine.contains) ?? false
                if expected { inScope += 1 }
                XCTAssertEqual(after != before, expected,
                               "kind '\(kind.name)' (target \(name)): editing \(f.path) \(expected ? "must" : "must not") change its code digest")
            }
            XCTAssertGreaterThan(inScope, 0, "kind '\(kind.name)': its scope has no file")
        }
    }

    /// The scopes that matter for the cost of an edit: the engine is in no
    /// kind's scope, the spawn path and the sandbox only in `shell`'s, and one
    /// kind's target in no other's.
    func testTheEngineAndOtherKindsAreOutOfEachKindsScope() throws {
        let code = CodeDigests(files: BuildInfo.sourceDigests, targets: BuildInfo.targets)
        for kind in kinds {
            let targets = try XCTUnwrap(code.closure(of: kind.codeTarget))
            var outsideTargets = ["EngineCore", "RemoteCache", "SlurmExecutor", "Stages", "Changes", "repro"]
            // Only the kind that runs commands has the sandbox and the spawn path in its scope.
            if !kind.runsCommands { outsideTargets += ["StageSandbox", "ProcessSpawn"] }
            for outside in outsideTargets {
                XCTAssertFalse(targets.contains(outside), "kind '\(kind.name)' must not have \(outside) in its code scope")
            }
            let ownTargets = Set(kinds.map(\.codeTarget)).subtracting([kind.codeTarget])
            XCTAssertTrue(ownTargets.isDisjoint(with: targets), "kind '\(kind.name)' has another kind's target in its scope: \(ownTargets.intersection(targets))")
        }
        XCTAssertEqual(code.closure(of: "FlowStages")?.contains("Theory"), false, "the flow kind does not read the overlap theory")
    }

    /// Every module a source file imports is one its target declares (SwiftPM
    /// lets a target import what its dependencies depend on, which hides a
    /// dependency from the graph the code scopes are read from), and nothing
    /// re-exports a module.
    func testEveryImportIsADeclaredDependency() throws {
        let graph = try Self.packageGraph()
        var undeclared: [String] = [], reexports: [String] = []
        for (name, target) in graph.sorted(by: { $0.key < $1.key }) {
            let dir = Self.root.appendingPathComponent(target.path)
            guard let files = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let rel as String in files where rel.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(rel), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    if line.hasPrefix("@_exported") { reexports.append("\(target.path)/\(rel)") }
                    let words = line.split(separator: " ")
                    guard let i = words.firstIndex(of: "import"), i + 1 < words.count, words[..<i].allSatisfy({ $0.hasPrefix("@") }) else { continue }
                    let module = String(words[i + 1])
                    if graph[module] != nil, module != name, !target.deps.contains(module) {
                        undeclared.append("\(target.path)/\(rel) imports \(module), which \(name) does not declare")
                    }
                }
            }
        }
        XCTAssertEqual(undeclared, [])
        XCTAssertEqual(reexports, [])
    }

    func testATargetThatIsNotInThePackageHasNoDigest() {
        let code = CodeDigests(files: BuildInfo.sourceDigests, targets: BuildInfo.targets)
        XCTAssertNil(code.digest(forTarget: "Nowhere"))
        XCTAssertEqual(code.scope(of: "Theory"), ["Sources/Annealing", "Sources/CGSL", "Sources/GSL", "Sources/Random", "Sources/Theory"])
    }
}

/// The binary's table of source digests covers every code file of the checkout
/// it was built from, headers of C targets included: otherwise the stale-binary
/// check refuses a fresh build (it reads the files on disk).
final class SourceTableTests: XCTestCase {
    func testAFreshBuildIsNotStaleAgainstItsOwnCheckout() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let code = CodeDigests(files: BuildInfo.sourceDigests, targets: BuildInfo.targets)
        XCTAssertTrue(BuildInfo.sourceDigests.contains { $0.path == "Sources/CFlowKernels/include/CFlowKernels.h" },
                      "a C target's public header must be in the table")
        // BuildInfo holds the table itself, so it is the one target the table leaves out.
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Sources").path)) ?? []
        let scopes = dirs.filter { $0 != "BuildInfo" && !$0.hasPrefix(".") }.sorted().map { "Sources/\($0)" }
        XCTAssertGreaterThan(scopes.count, 5)
        XCTAssertEqual(code.staleFiles(under: scopes, root: root), [])
    }
}

import BuildInfo
import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest

/// A kind's code scope comes from the package graph: editing a file of a
/// module changes the code digest (so the keys) of exactly the kinds whose
/// code imports that module, directly or through another.
final class CodeScopeTests: XCTestCase {
    let kinds: [any StageKind] = StageKinds.all + [ShellKind()]

    /// Every kind's code digest, with the files of this binary (one file's digest optionally replaced).
    func digests(editing edited: String? = nil) throws -> [String: String] {
        let files = BuildInfo.sourceDigests.map { f in (path: f.path, sha256: f.path == edited ? String(repeating: "0", count: 64) : f.sha256) }
        let code = CodeDigests(files: files, targets: BuildInfo.targets)
        var out: [String: String] = [:]
        for k in kinds { out[k.name] = try XCTUnwrap(code.digest(for: k.codePaths), "\(k.name): codePaths must all exist") }
        return out
    }

    /// The kinds whose digest changes when `file` is edited.
    func kindsChanged(byEditing file: String) throws -> Set<String> {
        XCTAssertTrue(BuildInfo.sourceDigests.contains { $0.path == file }, "\(file) must be a source of this binary")
        let before = try digests(), after = try digests(editing: file)
        return Set(kinds.map(\.name).filter { before[$0] != after[$0] })
    }

    /// A source file of `target` (the first, by path).
    func file(of directory: String) throws -> String {
        try XCTUnwrap(BuildInfo.sourceDigests.first { $0.path.hasPrefix(directory + "/") && $0.path.hasSuffix(".swift") }?.path)
    }

    let overlapKinds: Set<String> = ["ode", "ode-sweep", "fixed-points", "ode-escape", "particles"]

    func testEditingAnImportedModuleChangesExactlyTheKindsThatImportIt() throws {
        // Random: imported by Theory (so every overlap kind), Particles and Flows.
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/Random")), overlapKinds.union(["flow"]))
        // Annealing: imported by Theory and Flows.
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/Annealing")), overlapKinds.union(["flow"]))
        // GSL and its C module: Theory's.
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/GSL")), overlapKinds)
        XCTAssertEqual(try kindsChanged(byEditing: "Sources/CGSL/shim.h"), overlapKinds)
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/Particles")), ["particles"])
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/Flows")), ["flow"])
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/Parallel")), overlapKinds.union(["flow"]))
        XCTAssertEqual(try kindsChanged(byEditing: try file(of: "Sources/Plot")), ["figure"])
        // A kind's own file, and the params code the model kinds share.
        XCTAssertEqual(try kindsChanged(byEditing: "Sources/Stages/FixedPointStage.swift"), ["fixed-points"])
        XCTAssertEqual(try kindsChanged(byEditing: "Sources/Stages/ModelParams.swift"), overlapKinds)
        XCTAssertEqual(try kindsChanged(byEditing: "Sources/Stages/SharedParams.swift"), overlapKinds.union(["flow"]))
        // The engine's JSON code: the kinds that read JSON.
        XCTAssertEqual(try kindsChanged(byEditing: "Sources/Engine/JSONReader.swift"), ["figure", "claims", "gallery"])
        XCTAssertEqual(try kindsChanged(byEditing: "Sources/Engine/Runner.swift"), [])
    }

    func testATargetThatIsNotInThePackageIsAnError() {
        let code = CodeDigests(files: BuildInfo.sourceDigests, targets: BuildInfo.targets)
        XCTAssertNil(code.digest(for: ["target:Nowhere"]))
        XCTAssertEqual(code.expand(["target:Theory"]), ["Sources/Annealing", "Sources/CGSL", "Sources/GSL", "Sources/Random", "Sources/Theory"])
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

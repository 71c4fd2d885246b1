import Foundation
import XCTest
@testable import EngineCore
import StageAPI

/// Replays every input in Fuzz/regressions/ (inputs that once crashed, hung
/// or exhausted memory, found by scripts/fuzz.sh or reported in issues)
/// through the same loaders and checks as the fuzz targets: each must load
/// or be refused with an error, never trap.
final class HostileFuzzRegressionTests: XCTestCase {
    static let regressions = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    func inputs(_ target: String) throws -> [URL] {
        let dir = Self.regressions.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The fuzz targets' scratch project: the source files their seeds name.
    func scratchProject() throws -> TempProject {
        try TempProject(["in.txt": "x\n", "data/x.csv": "x\n", "scripts/plot.py": "x\n"])
    }

    func testPipelineRegressionsLoadOrAreRefused() throws {
        let files = try inputs("pipeline")
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for f in files {
            let t = try scratchProject()
            try FileManager.default.copyItem(at: f, to: t.root.appendingPathComponent("pipeline.yaml"))
            do {
                let p = try Pipeline.load(root: t.root, registry: testRegistry)
                for s in p.stages { XCTAssertNil((s.spec.deps + s.spec.outs).compactMap(Pipeline.pathProblem).first, f.lastPathComponent) }
            } catch let e as PipelineErrors {
                XCTAssertFalse(e.errors.isEmpty, f.lastPathComponent)
                XCTAssertTrue(e.errors.allSatisfy { $0.location != nil }, "\(f.lastPathComponent): \(e)")
            }
        }
    }

    func testLockRegressionsLoadOrAreCalledDamaged() throws {
        let files = try inputs("lock")
        XCTAssertGreaterThanOrEqual(files.count, 2)
        for f in files {
            let t = try scratchProject()
            let url = t.root.appendingPathComponent("repro.lock")
            try FileManager.default.copyItem(at: f, to: url)
            do {
                let lock = try LockFile.load(from: url)
                let back = try LockFile.parse(lock.text)
                XCTAssertEqual(back.stages, lock.stages, f.lastPathComponent)
                XCTAssertEqual(back.text, lock.text, f.lastPathComponent)
                XCTAssertTrue(back.rejected.isEmpty, f.lastPathComponent)
            } catch let e as EngineError {
                XCTAssertTrue("\(e)".hasPrefix("repro.lock is damaged ("), "\(f.lastPathComponent): \(e)")
            }
        }
    }
}

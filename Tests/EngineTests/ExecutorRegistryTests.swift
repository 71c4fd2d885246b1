import EngineCore
import StageAPI
import Foundation
import XCTest

/// The `executor:` block is checked by the executor types that read it.
final class ExecutorRegistryTests: XCTestCase {
    let stage = """
        stages:
          a:
            kind: concat
            outs: [x]
        """

    /// Without `type:` the block configures whichever executor `--executor` picks: Slurm's keys are allowed, and checked.
    func testABlockWithoutTypeTakesAnyTypesKeysAndChecksThem() throws {
        let t = try TempProject(["pipeline.yaml": "executor:\n  poll_seconds: 0.2\n  time: \"00:05:00\"\n" + stage])
        XCTAssertNoThrow(try t.project())
        let bad = try pipelineErrors("executor:\n  poll_seconds: 0\n  partitoin: x\n" + stage).map(\.description)
        XCTAssertTrue(bad.contains { $0.contains(":2:3: error: executor: must be > 0") }, "\(bad)")
        XCTAssertTrue(bad.contains { $0.contains(":3:3: error: unknown key 'partitoin' in executor") && $0.contains("allowed keys: ") }, "\(bad)")
    }

    func testAnExplicitTypeAllowsOnlyItsOwnKeys() throws {
        let errs = try pipelineErrors("executor:\n  type: local\n  partition: x\n" + stage).map(\.description)
        XCTAssertTrue(errs.contains { $0.contains("unknown key 'partition' in executor") && $0.contains("allowed keys for type local: type") }, "\(errs)")
        let unknown = try pipelineErrors("executor:\n  type: kubernetes\n" + stage).map(\.description)
        XCTAssertTrue(unknown.contains { $0.contains(":2:3: error: executor: unknown type 'kubernetes'") && $0.contains("local, slurm") }, "\(unknown)")
    }
}

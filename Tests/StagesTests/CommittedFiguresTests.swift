import Engine
import Foundation
import Stages
import XCTest

/// The figure and claims stages of the project's own pipeline.yaml, redrawn
/// from the committed artifacts (with their producers' params as provenance),
/// give the committed figures, metrics and claims: the drawing code reads the
/// data exactly as the outputs in the repository were made from it.
final class CommittedFiguresTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func metrics(_ url: URL) throws -> Value? {
        guard case .object(let o) = try JSONReader.parse(String(contentsOf: url, encoding: .utf8)) else { return nil }
        return o["metrics"]
    }

    func testFiguresAndClaimsRedrawnFromTheCommittedArtifactsMatchTheCommittedOutputs() throws {
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind()]))
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("committed-figures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        var checked = 0
        for stage in pipeline.stages where ["figure", "claims"].contains(stage.spec.kind) {
            let upstream = stage.upstream.map { i in
                let u = pipeline.stages[i]
                return UpstreamStage(name: u.name, kind: u.spec.kind, key: "", params: u.canonicalParams, outs: u.spec.outs)
            }
            let ctx = StageContext(info: stage.info, params: Params(stage.spec.params), root: root, staging: staging,
                                   parallelism: 2, upstream: upstream, reporter: { _ in }, cancelled: { false })
            try stage.run(ctx)
            for out in stage.spec.outs {
                let made = staging.appendingPathComponent(out), committed = root.appendingPathComponent(out)
                if out.hasSuffix("metrics.json") {
                    // Provenance holds stage keys, which follow the code; the metrics must not.
                    XCTAssertEqual(try metrics(made), try metrics(committed), "\(stage.name): \(out)")
                } else {
                    XCTAssertEqual(try Data(contentsOf: made), try Data(contentsOf: committed), "\(stage.name): \(out) differs")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 15, "every figure's SVG and metrics, and the claims")
    }
}

import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import ShellStages
import ConcatStages
import FigureStages

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
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
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
            // claims.tex prints the figure stages' keys, which follow the code; its values are claims.json's.
            for out in stage.spec.outs where !out.hasSuffix(".tex") {
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

    func testEveryFileAFiguresOptionsNameMustBeADep() throws {
        func params(_ options: [(String, Value)]) -> Params {
            Params(Value.Object([("figure", .string("fig6")), ("options", .object(Value.Object(options)))]))
        }
        let options: [(String, Value)] = [
            ("dims", .array([.int(2)])), ("far", .string("f-d{d}-metrics.csv")), ("near", .string("n-d{d}-metrics.csv")),
            ("far_samples", .string("f-d{d}-samples.csv")), ("panel_b_d", .int(2)), ("panel_c_dims", .array([.int(2)])),
            ("small_d_max", .int(4)), ("large_d_min", .int(16)),
        ]
        let outs = ["fig6.svg", "fig6.json"]
        let all = ["f-d2-metrics.csv", "n-d2-metrics.csv", "f-d2-samples.csv"]
        XCTAssertNoThrow(try FigureKind().validate(params(options), stage: StageInfo(name: "f", deps: all, outs: outs)))
        XCTAssertThrowsError(try FigureKind().validate(params(options), stage: StageInfo(name: "f", deps: Array(all.prefix(2)), outs: outs))) {
            let e = $0 as? ParamError
            XCTAssertEqual(e?.key, "options")
            XCTAssertTrue(e?.message.contains("'f-d2-samples.csv'") ?? false, "\($0)")
        }
    }
}

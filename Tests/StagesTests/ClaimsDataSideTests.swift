import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import ShellStages
import ConcatStages

/// Every claim fails when the data it is about is missing: a table claim
/// whose selected rows are removed (or whose table is emptied), a metric claim
/// whose figure's inputs are emptied (its analysis then cannot compute the
/// metric, and says why). No default stands in for data.
final class ClaimsDataSideTests: XCTestCase {
    let root = ClaimFixture.root

    func testEveryTableClaimFailsNamingItsSelectionWhenItsRowsAreRemoved() throws {
        let stage = try ClaimFixture.claimsStage()
        let tableClaims = try ClaimFixture.all(stage).filter { !$0.tables.isEmpty }
        XCTAssertGreaterThanOrEqual(tableClaims.count, 18)
        for c in tableClaims {
            var files: [String: String] = [:]
            for f in c.tables {
                var csv = try RawCSV(root.appendingPathComponent(f))
                let before = csv.rows.count
                let original = csv
                csv.rows.removeAll { c.selects(original.cells($0)) }
                XCTAssertLessThan(csv.rows.count, before, "\(c.id) selects rows of \(f)")
                files[f] = csv.text
            }
            let message = try runClaims(stage, replacing: files) ?? "passed"
            let line = message.split(separator: "\n").first { $0.hasPrefix("claim \(c.id): ") }
            XCTAssertTrue(line?.contains("selects no row of \(c.tables.joined(separator: " + "))") ?? false, "\(c.id): \(message)")
        }
    }

    /// fig4 without its |μ| = 2.0 rows: the two claims about |μ| = 2.0 fail, naming the selection.
    func testFig4WithoutItsMu2RowsFailsBothClaimsAboutIt() throws {
        let stage = try ClaimFixture.claimsStage()
        var csv = try RawCSV(root.appendingPathComponent("artifacts/fig4/collapse.csv"))
        let original = csv
        csv.rows.removeAll { original.cells($0)["mu"] == "2.0" }
        let message = try runClaims(stage, replacing: ["artifacts/fig4/collapse.csv": csv.text]) ?? "passed"
        XCTAssertTrue(message.contains("claim fig4-fixed-no-collapse-at-mu2: selects no row of artifacts/fig4/collapse.csv: mu = 2, weights = fixed"), message)
        XCTAssertTrue(message.contains("claim fig4-trainable-rare-at-small-d: selects no row of artifacts/fig4/collapse.csv: d ≤ 20, mu = 2, t_end = 400, weights = trainable"), message)
        XCTAssertEqual(message.split(separator: "\n").count, 2, message)
    }

    /// Each figure redrawn with every input table emptied (header only): the figure still draws, and
    /// every metric claim on it fails, saying its metric is missing and why.
    func testEveryMetricClaimFailsWhenItsFiguresInputsAreEmptied() throws {
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        let claimsStage = try ClaimFixture.claimsStage()
        let metricClaims = try ClaimFixture.all(claimsStage).filter { $0.metricFile != nil }
        XCTAssertGreaterThanOrEqual(metricClaims.count, 20)
        var covered = Set<String>()
        for stage in pipeline.stages where stage.spec.kind == "figure" {
            let metricsOut = stage.spec.outs[1]
            let mine = metricClaims.filter { $0.metricFile == metricsOut }
            guard !mine.isEmpty else { continue }
            let metrics = try redraw(stage, in: pipeline, emptying: stage.spec.deps.filter { $0.hasSuffix(".csv") })
            let message = try runClaims(claimsStage, replacing: [metricsOut: metrics]) ?? "passed"
            for c in mine {
                let line = message.split(separator: "\n").first { $0.hasPrefix("claim \(c.id): ") }
                XCTAssertTrue(line?.contains("metric '\(c.metricName!)' is missing from \(metricsOut): ") ?? false, "\(c.id): \(message)")
                covered.insert(c.id)
            }
        }
        XCTAssertEqual(covered, Set(metricClaims.map(\.id)), "every metric claim is on a figure's analysis")
    }

    /// fig2's and fig3's particle tables empty: the figures draw, and the agreement claims fail.
    func testEmptyParticleTablesFailTheAgreementClaims() throws {
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        let claimsStage = try ClaimFixture.claimsStage()
        var replaced: [String: String] = [:]
        for (figure, particles) in [("fig2", ["artifacts/fig2/particles-mu2.0.csv", "artifacts/fig2/particles-mu3.0.csv"]),
                                    ("fig3", ["artifacts/fig3/particles.csv"])] {
            let stage = try XCTUnwrap(pipeline.stages.first { $0.name == figure })
            replaced[stage.spec.outs[1]] = try redraw(stage, in: pipeline, emptying: particles)
        }
        let message = try runClaims(claimsStage, replacing: replaced) ?? "passed"
        let failed = message.split(separator: "\n").map { String($0.dropFirst("claim ".count).prefix { $0 != ":" && $0 != " " }) }
        XCTAssertEqual(failed.sorted(), ["fig2-particles-agree", "fig3-particles-agree-alpha", "fig3-particles-agree-log-w"], message)
        XCTAssertTrue(message.contains("no particle points"), message)
    }

    /// Runs a figure stage on a scratch copy of its inputs with `emptying` cut to their header; its metrics JSON.
    func redraw(_ stage: Pipeline.Stage, in pipeline: Pipeline, emptying: [String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("redraw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for dep in stage.spec.deps {
            let url = dir.appendingPathComponent(dep)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if emptying.contains(dep) {
                let header = try String(contentsOf: root.appendingPathComponent(dep), encoding: .utf8).prefix { $0 != "\n" }
                try Data((header + "\n").utf8).write(to: url)
            } else {
                try FileManager.default.copyItem(at: root.appendingPathComponent(dep), to: url)
            }
        }
        let upstream = stage.upstream.map { i in
            let u = pipeline.stages[i]
            return UpstreamStage(name: u.name, kind: u.spec.kind, key: "", params: u.canonicalParams, outs: u.spec.outs)
        }
        let staging = dir.appendingPathComponent(".staging")
        let ctx = StageContext(info: stage.info, params: Params(stage.spec.params), root: dir, staging: staging,
                               parallelism: 1, upstream: upstream, reporter: { _ in }, cancelled: { false })
        try stage.run(ctx)
        return try String(contentsOf: staging.appendingPathComponent(stage.spec.outs[1]), encoding: .utf8)
    }
}

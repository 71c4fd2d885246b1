import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import ShellStages
import ConcatStages

/// With the real binary: a claim cannot hold about data that is not there. On a copy of the
/// project's files, the figure and claims stages are run (`run --no-deps`) after removing the data
/// a claim is about; the run fails, naming those claims and what is missing.
final class ClaimsDataCLITests: XCTestCase {
    static let repo = PaperReportTests.repo
    static let stages = ["fig2", "fig3", "fig4", "claims"]

    /// pipeline.yaml, repro.lock, the pipeline's source files and every file the named stages read.
    func project() throws -> Scratch {
        let pipeline = try Pipeline.load(root: Self.repo, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        let chosen = pipeline.stages.filter { Self.stages.contains($0.name) }
        let made = Set(chosen.flatMap(\.spec.outs))
        // Source files every stage reads (scripts, the paper), which the pipeline needs to load.
        let sources = Set(pipeline.stages.flatMap(\.spec.deps)).subtracting(pipeline.stages.flatMap(\.spec.outs))
        var files: [String: String] = [:]
        for path in ["pipeline.yaml", "repro.lock"] + Set(chosen.flatMap(\.spec.deps)).subtracting(made).union(sources) {
            files[path] = try String(contentsOf: Self.repo.appendingPathComponent(path), encoding: .utf8)
        }
        return try Scratch(files)
    }

    func run(_ s: Scratch) throws -> CLI.Result { try CLI.run(["run", "--no-deps"] + Self.stages, in: s.root) }

    /// The failing claims a run names.
    func failed(_ r: CLI.Result) -> [String] {
        var ids: [String] = []
        for line in r.all.split(separator: "\n") {
            guard let at = line.range(of: "claim ") else { continue }
            let id = String(line[at.upperBound...].prefix { $0 != ":" && $0 != " " })
            if id.hasPrefix("fig"), !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    func testTheRunFailsNamingTheClaimsWhoseDataIsGone() throws {
        let s = try project()
        let clean = try run(s)
        XCTAssertEqual(clean.status, 0, "the committed data satisfies every claim:\n" + clean.all)

        // fig4 without its |μ| = 2.0 rows.
        let sweep = s.read("artifacts/fig4/collapse.csv")!.split(separator: "\n", omittingEmptySubsequences: false)
        try s.write("artifacts/fig4/collapse.csv", sweep.filter { !$0.hasPrefix("fixed,2.0,") && !$0.hasPrefix("trainable,2.0,") }.joined(separator: "\n"))
        // fig2's and fig3's particle tables: their header only.
        for path in ["artifacts/fig2/particles-mu2.0.csv", "artifacts/fig2/particles-mu3.0.csv", "artifacts/fig3/particles.csv"] {
            try s.write(path, String(s.read(path)!.prefix { $0 != "\n" }) + "\n")
        }
        let r = try run(s)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(failed(r).sorted(), ["fig2-particles-agree", "fig3-particles-agree-alpha", "fig3-particles-agree-log-w",
                                            "fig4-fixed-no-collapse-at-mu2", "fig4-trainable-rare-at-small-d"], r.all)
        XCTAssertTrue(r.all.contains("selects no row of artifacts/fig4/collapse.csv: mu = 2, weights = fixed"), r.all)
        XCTAssertTrue(r.all.contains("metric 'max_abs_dalpha_seed_mean' is missing from artifacts/fig2/metrics.json: no particle points"), r.all)
    }
}

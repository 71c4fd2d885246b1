import Foundation
import XCTest
import EngineCore
import StageAPI
@testable import Stages
@testable import ShellStages
@testable import ConcatStages
@testable import ClaimStages

/// The paper's artifacts end to end, on scratch copies of the committed artifacts: the figure-pdf,
/// claims, report and gallery stages of the real pipeline.yaml. Needs Debian's librsvg2-bin, fonts-dejavu-core,
/// texlive-latex-base and poppler-utils (scripts/ensure-system-deps.sh --test).
final class PaperReportTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func tool(_ name: String) throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) { return dir + "/" + name }
        XCTFail("\(name) is not installed: run scripts/ensure-system-deps.sh --test")
        throw CancellationError()
    }

    func run(_ exe: String, _ args: [String], in dir: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "\(exe) \(args)")
        return String(decoding: data, as: UTF8.self)
    }

    /// The stages these tests run: the figure PDFs, the claims, the report and the gallery.
    static let reporting = ["figure-pdf", "claims", "report", "gallery"]

    /// The project's pipeline.yaml with, of its files, what the reporting stages read (the committed
    /// figures, metrics and the tables the claims select from, the scripts, paper/reproduction.tex);
    /// run with `run --no-deps`, the stages that produce those files are not run.
    func paperProject() throws -> Scratch {
        let pipeline = try Pipeline.load(root: Self.repo, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        let reporting = pipeline.stages.filter { Self.reporting.contains($0.spec.baseName) }
        XCTAssertGreaterThanOrEqual(reporting.count, 10, "pipeline.yaml has no figure-pdf … gallery stages")
        let made = Set(reporting.flatMap(\.spec.outs))
        // The lock gives the stages not run their keys (the claims stage prints its upstream's).
        var files = ["pipeline.yaml": try String(contentsOf: Self.repo.appendingPathComponent("pipeline.yaml"), encoding: .utf8),
                     "repro.lock": try String(contentsOf: Self.repo.appendingPathComponent("repro.lock"), encoding: .utf8)]
        for path in Set(reporting.flatMap(\.spec.deps)).subtracting(made) {
            files[path] = try String(contentsOf: Self.repo.appendingPathComponent(path), encoding: .utf8)
        }
        return try Scratch(files)
    }

    /// Runs the reporting stages only (their inputs are the committed files).
    func runReporting(_ s: Scratch, _ extra: String...) throws -> CLI.Result {
        try CLI.run(["run", "--no-deps"] + Self.reporting + extra, in: s.root)
    }

    func reportKey(_ s: Scratch) throws -> String {
        guard case .object(let lock) = try StageAPI.JSONReader.parse(s.read("repro.lock") ?? ""), case .object(let stages)? = lock["stages"],
              case .object(let report)? = stages["report"], case .string(let key)? = report["key"] else {
            XCTFail("no report key in repro.lock"); return ""
        }
        return key
    }

    /// Every claim's value as the macros print it, as pdftotext shows it (spaces removed).
    func claimValues(_ s: Scratch) throws -> [(String, String)] {
        guard case .object(let doc) = try StageAPI.JSONReader.parse(s.read("artifacts/claims.json") ?? ""), case .array(let list)? = doc["claims"] else {
            XCTFail("no artifacts/claims.json"); return []
        }
        return list.compactMap { item in
            guard case .object(let c) = item, case .string(let id)? = c["id"], let v = c["value"]?.asDouble else { return nil }
            return (id, TeXNumber.text(v))
        }
    }

    func testReportShowsEveryClaimValueEmbedsEveryFontAndFollowsTheClaims() throws {
        let pdftotext = try tool("pdftotext"), pdffonts = try tool("pdffonts")
        _ = try tool("pdflatex"); _ = try tool("rsvg-convert")
        let s = try paperProject()
        let r = try runReporting(s, "-j", "2")
        XCTAssertEqual(r.status, 0, r.all)
        let text = try run(pdftotext, ["paper/reproduction.pdf", "-"], in: s.root).filter { !$0.isWhitespace }
        let values = try claimValues(s)
        // Every claim of pipeline.yaml's claims stage has a value in the report.
        let declared = (s.read("pipeline.yaml") ?? "").components(separatedBy: "- {id: ").count - 1
        XCTAssertGreaterThanOrEqual(declared, 40)
        XCTAssertEqual(values.count, declared)
        for (id, v) in values { XCTAssertTrue(text.contains(v), "claim \(id): \(v) is not in the report's text") }

        // The gallery links the report at the top and each figure's PDF beside its SVG.
        let html = s.read("figures/index.html") ?? ""
        XCTAssertTrue(html.contains("href=\"../paper/reproduction.pdf\""), "the gallery does not link the report")
        for n in 1...7 {
            let svg = try XCTUnwrap(html.range(of: "<a href=\"fig\(n)-")).lowerBound
            XCTAssertTrue(html[svg...].prefix(200).contains(".pdf\">PDF</a>"), "fig\(n): no PDF link beside the SVG")
        }

        for pdf in ["paper/reproduction.pdf", "figures/fig2-mean-alignment.pdf"] {
            let fonts = try run(pdffonts, [pdf], in: s.root).split(separator: "\n").dropFirst(2)
            XCTAssertFalse(fonts.isEmpty, "\(pdf) has no fonts: its text is not text")
            for f in fonts {
                let cols = f.split(separator: " ", omittingEmptySubsequences: true)
                XCTAssertEqual(cols.count >= 5 ? cols[cols.count - 5] : "", "yes", "\(pdf): font not embedded: \(f)")
            }
        }
        let check = try s.repro("check", "--rebuild", "report", "figure-pdf@fig=fig2-mean-alignment")
        XCTAssertEqual(check.status, 0, "the report or a figure PDF is not byte-deterministic:\n" + check.all)

        // One claim's measured value changes: claims.tex, hence the report's key and its text, follow.
        let before = try reportKey(s)
        let path = "artifacts/fig2/metrics.json"
        let old = s.read(path)!
        XCTAssertTrue(old.contains("\"max_abs_dalpha_seed_mean\":0.0018015835491103083"), "the committed fig2 metrics changed: update this test")
        try s.write(path, old.replacingOccurrences(of: "\"max_abs_dalpha_seed_mean\":0.0018015835491103083", with: "\"max_abs_dalpha_seed_mean\":0.0123456"))
        let again = try runReporting(s)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertNotEqual(try reportKey(s), before)
        let newText = try run(pdftotext, ["paper/reproduction.pdf", "-"], in: s.root).filter { !$0.isWhitespace }
        XCTAssertTrue(newText.contains("0.01235"), "the report does not show the new value")
        XCTAssertFalse(newText.contains("0.001802"), "the report still shows the old value")
    }

    func testALaTeXErrorFailsTheStageWithItsFirstErrorLineOnly() throws {
        _ = try tool("pdflatex")
        let s = try Scratch([
            "pipeline.yaml": """
                stages:
                  report:
                    kind: shell
                    params: {argv: [sh, scripts/latex-build.sh, paper/r.tex, paper/r.pdf]}
                    deps: [scripts/latex-build.sh, paper/r.tex]
                    outs: [paper/r.pdf]
                """,
            "scripts/latex-build.sh": try String(contentsOf: Self.repo.appendingPathComponent("scripts/latex-build.sh"), encoding: .utf8),
            "paper/r.tex": "\\documentclass{article}\n\\begin{document}\nFine.\n\n\\undefinedmacro{x}\nNever reached: \\alsoundefined\n\\end{document}\n",
        ])
        let r = try s.repro("all")
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.all.contains("paper/r.tex:5: Undefined control sequence."), r.all)
        XCTAssertFalse(r.all.contains("alsoundefined"), "more than the first error:\n" + r.all)
        XCTAssertFalse(r.all.contains("This is pdfTeX") || r.all.contains("LaTeX2e"), "the log was printed:\n" + r.all)
        XCTAssertFalse(s.exists("paper/r.pdf"))

        // An unknown claim id is an error that names it, at the line that uses it.
        try s.write("paper/r.tex", "\\documentclass{article}\n\\input{claims.tex}\n\\begin{document}\n\\claimvalue{no-such-claim}\n\\end{document}\n")
        let doc = ClaimsTeX.document([], figures: [])
        try s.write("claims.tex", doc)
        try s.write("pipeline.yaml", s.read("pipeline.yaml")!.replacingOccurrences(of: "paper/r.tex]", with: "paper/r.tex, claims.tex]"))
        let r2 = try s.repro("all")
        XCTAssertEqual(r2.status, 1, r2.all)
        XCTAssertTrue(r2.all.contains("paper/r.tex:4: claims.tex: no value `no-such-claim'"), r2.all)
    }
}

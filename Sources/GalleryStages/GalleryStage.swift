import Foundation
import StageAPI

/// `kind: gallery` — one static HTML page with every figure, its caption,
/// its claims with their measured values, and its provenance (the stages,
/// keys and params behind it). Byte-deterministic like every output.
///
///     params:
///       title: "..."
///       intro: "..."
///       claims: claims                      # the claims stage (or its JSON's path)
///       report: report                      # optional: linked at the top (a stage, or the PDF's path)
///       figures:
///         - {figure: fig2, pdf: "figure-pdf@fig=fig2", title: "...", caption: "..."}
///           # figure: the figure stage (its SVG and metrics JSON), or `svg:` and `metrics:` paths;
///           # pdf (optional, linked beside the SVG): a stage or a path. Every file is a dep of the
///           # gallery without being listed.
public struct GalleryKind: StageKind {
    public init() {}
    public let name = "gallery"
    /// One thread: charged one CPU of `-j`.
    public var defaultCPUs: Int? { 1 }
    public let summary = "an HTML page of every figure with caption, claims and provenance"
    public var recordsProvenance: Bool { true }

    struct Entry: Sendable { var svg: String, pdf: String?, metrics: String, title: String, caption: String }

    public struct Config: Sendable { var title: String, intro: String, claims: String, report: String?, figures: [Entry] }

    /// The params with every stage they name resolved to its file.
    func config(_ p: Params, outputs: StageOutputs) throws -> Config {
        let title = try p.string("title")
        let intro = try p.string("intro", default: "")
        let claims = try outputs.file(try p.string("claims"), endingIn: ".json", key: "claims")
        let report = p.has("report") ? try outputs.file(try p.string("report"), endingIn: ".pdf", key: "report") : nil
        guard case .array(let items)? = p.raw("figures"), !items.isEmpty else { throw ParamError(key: "figures", "must be a non-empty list") }
        var figures: [Entry] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw ParamError(key: "figures[\(i)]", "must be a mapping") }
            let f = Params(o, path: "figures[\(i)]")
            // The figure stage (its SVG and metrics JSON), or the two files by path.
            let svg: String, metrics: String
            if f.has("figure") {
                let figure = try f.string("figure")
                guard outputs[figure] != nil else { throw ParamError(key: f.fullKey("figure"), "'\(figure)' is not a stage of the pipeline") }
                (svg, metrics) = (try outputs.file(figure, endingIn: ".svg", key: f.fullKey("figure")),
                                  try outputs.file(figure, endingIn: ".json", key: f.fullKey("figure")))
            } else {
                (svg, metrics) = (try f.string("svg"), try f.string("metrics"))
            }
            let e = Entry(svg: svg, pdf: f.has("pdf") ? try outputs.file(try f.string("pdf"), endingIn: ".pdf", key: f.fullKey("pdf")) : nil,
                          metrics: metrics, title: try f.string("title"), caption: try f.string("caption"))
            if let k = f.unreadKeys.first { throw ParamError(key: k, "is not a figure field (figure, or svg and metrics; pdf, title, caption)") }
            figures.append(e)
        }
        return Config(title: title, intro: intro, claims: claims, report: report, figures: figures)
    }

    public func derivedDeps(_ params: Params, outputs: StageOutputs) throws -> [String] {
        let c = try config(params, outputs: outputs)
        return [c.claims] + (c.report.map { [$0] } ?? []) + c.figures.flatMap { [$0.svg, $0.metrics] + ($0.pdf.map { [$0] } ?? []) }
    }

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        let cfg = try config(params, outputs: stage.outputs)
        guard stage.outs.count == 1, stage.outs[0].hasSuffix(".html") else { throw ParamError(key: "title", "the gallery has one output, an .html file") }
        return cfg
    }

    public func run(_ cfg: Config, in ctx: StageContext) throws {
        let out = ctx.info.outs[0]
        let claimsDoc = try JSONReader.parse(String(contentsOf: try ctx.input(cfg.claims), encoding: .utf8))
        var claims: [Value.Object] = []
        if case .object(let o) = claimsDoc, case .array(let list)? = o["claims"] {
            claims = list.compactMap { if case .object(let c) = $0 { c } else { nil } }
        }
        var h = HTML()
        h.line("<!DOCTYPE html>")
        h.line("<html lang=\"en\">")
        h.line("<head>")
        h.line("<meta charset=\"utf-8\">")
        h.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.line("<title>\(HTML.escape(cfg.title))</title>")
        h.line("<style>\(Self.css)</style>")
        h.line("</head>")
        h.line("<body>")
        h.line("<header><h1>\(HTML.escape(cfg.title))</h1>")
        if !cfg.intro.isEmpty { h.line("<p class=\"intro\">\(HTML.escape(cfg.intro))</p>") }
        let held = claims.filter { $0["holds"] == .bool(true) }.count
        h.line("<p class=\"summary\">\(held) of \(claims.count) claims hold.</p>")
        if let r = cfg.report { h.line("<p class=\"report\"><a href=\"\(HTML.escape(HTML.relative(r, from: out)))\">The reproduction report (PDF)</a></p>") }
        h.line("<nav>" + cfg.figures.map { "<a href=\"#\(HTML.anchor($0.svg))\">\(HTML.escape($0.title))</a>" }.joined(separator: " · ") + "</nav>")
        h.line("</header>")
        let figureStages = Dictionary(ctx.upstream.flatMap { u in u.outs.map { ($0, u) } }, uniquingKeysWith: { a, _ in a })
        for f in cfg.figures {
            let figureName: String
            let metricsDoc = try JSONReader.parse(String(contentsOf: try ctx.input(f.metrics), encoding: .utf8))
            if case .object(let o) = metricsDoc, case .string(let n)? = o["figure"] { figureName = n } else { figureName = "" }
            h.line("<section class=\"figure\" id=\"\(HTML.anchor(f.svg))\">")
            h.line("<h2>\(HTML.escape(f.title))</h2>")
            h.line("<img src=\"\(HTML.escape(HTML.relative(f.svg, from: out)))\" alt=\"\(HTML.escape(f.title))\">")
            h.line("<p class=\"caption\">\(HTML.escape(f.caption))</p>")
            if let pdf = f.pdf {
                h.line("<p class=\"files\"><a href=\"\(HTML.escape(HTML.relative(f.svg, from: out)))\">SVG</a> · <a href=\"\(HTML.escape(HTML.relative(pdf, from: out)))\">PDF</a></p>")
            }
            let mine = claims.filter { $0["figure"] == .string(figureName) }
            if !mine.isEmpty {
                h.line("<table class=\"claims\"><thead><tr><th>claim</th><th>measured</th><th>required</th><th></th></tr></thead><tbody>")
                for c in mine {
                    let text = c["claim"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
                    let metric = c["metric"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
                    let value = c["value"]?.asDouble.map { HTML.number($0) } ?? "—"
                    let bound = c["bound"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
                    let ok = c["holds"] == .bool(true)
                    h.line("<tr><td>\(HTML.escape(text))<div class=\"metric\">\(HTML.escape(metric.split(separator: "#").last.map(String.init) ?? metric))</div></td>"
                           + "<td class=\"num\">\(value)</td><td class=\"num\">\(HTML.escape(bound))</td><td class=\"\(ok ? "ok" : "bad")\">\(ok ? "✓ holds" : "✗ fails")</td></tr>")
                }
                h.line("</tbody></table>")
            }
            if let u = figureStages[f.svg] {
                // Filled in from the engine's compute-cost.js, which this page's bytes never depend on.
                h.line("<p class=\"cost\" data-stage=\"\(HTML.escape(u.name))\">Compute cost: run <code>repro all</code> here to measure it; <code>repro log</code> lists every run.</p>")
            }
            h.line("<details><summary>provenance</summary><ul class=\"prov\">")
            if let u = figureStages[f.svg] {
                h.line("<li><code>\(HTML.escape(u.name))</code> (\(HTML.escape(u.kind))) key <code>\(u.key.prefix(16))</code></li>")
            }
            if case .object(let o) = metricsDoc, case .array(let prov)? = o["provenance"] {
                for p in prov {
                    guard case .object(let s) = p else { continue }
                    let name = s["stage"].flatMap { if case .string(let x) = $0 { x } else { nil } } ?? "?"
                    let kind = s["kind"].flatMap { if case .string(let x) = $0 { x } else { nil } } ?? "?"
                    let key = s["key"].flatMap { if case .string(let x) = $0 { x } else { nil } } ?? ""
                    let params = s["params"]?.canonicalJSON ?? "{}"
                    h.line("<li><code>\(HTML.escape(name))</code> (\(HTML.escape(kind))) key <code>\(key.prefix(16))</code><pre>\(HTML.escape(params))</pre></li>")
                }
            }
            h.line("</ul></details>")
            h.line("</section>")
        }
        h.line("<script src=\"\(HTML.escape(HTML.relative(Self.costScript, from: out)))\"></script>")
        h.line("<script>\(Self.costFiller)</script>")
        h.line("<footer>Generated by <code>repro all</code> from pipeline.yaml; every file here is recorded in repro.lock and regenerated bit for bit in CI.</footer>")
        h.line("</body>")
        h.line("</html>")
        try Data(h.text.utf8).write(to: try ctx.output(out))
    }

    /// The engine's per-stage compute cost (`ComputeCost`), outside every stage's outputs.
    static let costScript = ".repro/compute-cost.js"

    /// Fills each figure's cost line from `window.reproComputeCost`, when the file was there.
    static let costFiller = """
        (function(){var c=window.reproComputeCost;if(!c)return;function t(s){return s<90?s.toFixed(1)+" s":s<5400?(s/60).toFixed(1)+" min":(s/3600).toFixed(1)+" h"}\
        document.querySelectorAll(".cost[data-stage]").forEach(function(p){var e=c[p.getAttribute("data-stage")];if(!e)return;\
        p.textContent="Compute cost on this machine: "+t(e.cpu_seconds)+" CPU, "+t(e.wall_seconds)+" of stage time, over "+e.stages+" stages"\
        +(e.measured<e.stages?" ("+(e.stages-e.measured)+" computed elsewhere or before run records were kept)":"")+"; repro log lists every run.";});})();
        """

    static let css = """
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:0 auto;padding:1.5em;color:#222;background:#fff;line-height:1.45}\
        h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin:0 0 .6em}\
        .intro{color:#444}.summary{font-weight:bold}nav{font-size:.9em;margin:.8em 0 1.5em}nav a{color:#0072b2}\
        .figure{border-top:1px solid #ddd;padding:1.2em 0 1.6em}\
        .figure img{display:block;width:100%;max-width:1000px;height:auto;margin:0 auto .6em;background:#fff}\
        .caption{font-size:.95em;color:#333}.cost{font-size:.85em;color:#555}\
        table.claims{border-collapse:collapse;width:100%;font-size:.9em;margin:.6em 0}\
        .claims th,.claims td{border-bottom:1px solid #e3e3e3;padding:.35em .5em;text-align:left;vertical-align:top}\
        .claims .num{font-family:"DejaVu Sans Mono",monospace;white-space:nowrap}.metric{color:#777;font-size:.85em;font-family:monospace}\
        .ok{color:#1a7f37;white-space:nowrap}.bad{color:#c62828;font-weight:bold;white-space:nowrap}\
        details{font-size:.85em;color:#444}.prov pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.4em;margin:.2em 0 .6em}\
        footer{border-top:1px solid #ddd;padding-top:1em;color:#666;font-size:.85em}
        """
}

import Engine
import Foundation

/// `kind: gallery` — one static HTML page with every figure, its caption,
/// its claims with their measured values, and its provenance (the stages,
/// keys and params behind it). Byte-deterministic like every output.
///
///     params:
///       title: "..."
///       intro: "..."
///       claims: artifacts/claims.json
///       report: paper/reproduction.pdf      # optional: linked at the top
///       figures:
///         - {svg: figures/fig2.svg, pdf: figures/fig2.pdf, metrics: artifacts/fig2/metrics.json, title: "...", caption: "..."}
///           # pdf is optional: linked beside the SVG
public struct GalleryKind: StageKind {
    public init() {}
    public let name = "gallery"
    /// One thread: charged one CPU of `-j`.
    public var defaultCPUs: Int? { 1 }
    public let summary = "an HTML page of every figure with caption, claims and provenance"
    public let codePaths = ["Sources/Stages/GalleryStage.swift", "Sources/Stages/HTML.swift", "Sources/Engine/Value.swift", "Sources/Engine/JSONReader.swift"]
    public var recordsProvenance: Bool { true }

    struct Entry: Sendable { var svg: String, pdf: String?, metrics: String, title: String, caption: String }

    public struct Config: Sendable { var title: String, intro: String, claims: String, report: String?, figures: [Entry] }

    func config(_ p: Params, deps: [String]) throws -> Config {
        let title = try p.string("title")
        let intro = try p.string("intro", default: "")
        let claims = try p.string("claims")
        guard deps.contains(claims) else { throw ParamError(key: "claims", "'\(claims)' must be among the deps") }
        let report = p.has("report") ? try p.string("report") : nil
        if let report, !deps.contains(report) { throw ParamError(key: "report", "'\(report)' must be among the deps") }
        guard case .array(let items)? = p.raw("figures"), !items.isEmpty else { throw ParamError(key: "figures", "must be a non-empty list") }
        var figures: [Entry] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw ParamError(key: "figures[\(i)]", "must be a mapping") }
            let f = Params(o, path: "figures[\(i)]")
            let e = Entry(svg: try f.string("svg"), pdf: f.has("pdf") ? try f.string("pdf") : nil, metrics: try f.string("metrics"),
                          title: try f.string("title"), caption: try f.string("caption"))
            for path in [e.svg, e.metrics] + (e.pdf.map { [$0] } ?? []) where !deps.contains(path) {
                throw ParamError(key: "figures[\(i)]", "'\(path)' must be among the deps")
            }
            if let k = f.unreadKeys.first { throw ParamError(key: k, "is not a figure field (svg, pdf, metrics, title, caption)") }
            figures.append(e)
        }
        return Config(title: title, intro: intro, claims: claims, report: report, figures: figures)
    }

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        let cfg = try config(params, deps: stage.deps)
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
        h.line("<footer>Generated by <code>repro all</code> from pipeline.yaml; every file here is recorded in repro.lock and regenerated bit for bit in CI.</footer>")
        h.line("</body>")
        h.line("</html>")
        try Data(h.text.utf8).write(to: try ctx.output(out))
    }

    static let css = """
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:0 auto;padding:1.5em;color:#222;background:#fff;line-height:1.45}\
        h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin:0 0 .6em}\
        .intro{color:#444}.summary{font-weight:bold}nav{font-size:.9em;margin:.8em 0 1.5em}nav a{color:#0072b2}\
        .figure{border-top:1px solid #ddd;padding:1.2em 0 1.6em}\
        .figure img{display:block;width:100%;max-width:1000px;height:auto;margin:0 auto .6em;background:#fff}\
        .caption{font-size:.95em;color:#333}\
        table.claims{border-collapse:collapse;width:100%;font-size:.9em;margin:.6em 0}\
        .claims th,.claims td{border-bottom:1px solid #e3e3e3;padding:.35em .5em;text-align:left;vertical-align:top}\
        .claims .num{font-family:"DejaVu Sans Mono",monospace;white-space:nowrap}.metric{color:#777;font-size:.85em;font-family:monospace}\
        .ok{color:#1a7f37;white-space:nowrap}.bad{color:#c62828;font-weight:bold;white-space:nowrap}\
        details{font-size:.85em;color:#444}.prov pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.4em;margin:.2em 0 .6em}\
        footer{border-top:1px solid #ddd;padding-top:1em;color:#666;font-size:.85em}
        """
}

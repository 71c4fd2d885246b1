import EngineCore
import StageAPI
import Foundation
import Parallel

/// `repro diff --html DIR`: DIR/index.html, one self-contained page (images
/// inline as data: URIs, no script, no request): the claims that changed, the
/// metrics, and each changed figure as old | new | difference, both SVGs
/// rasterised by rsvg-convert at the new one's size. Same inputs, same bytes.
public enum DiffPage {
    public struct Figure: Sendable {
        public var file: String
        public var old: Data?
        public var new: Data?
        public var changedPixels: Int?
        public var totalPixels: Int?
        public var diff: Data?
        public var note: String?
    }

    public static func write(_ r: DiffReport, to dir: URL) throws {
        let figures = try renderFigures(r)
        let html = page(r, figures: figures)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try AtomicFile.write(Data(html.utf8), to: dir.appendingPathComponent("index.html"), durable: false)
    }

    static func rsvg() -> String? {
        for p in ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    static func renderFigures(_ r: DiffReport) throws -> [Figure] {
        let files = r.figures
        guard !files.isEmpty else { return [] }
        let ca = try r.a.contents(files.compactMap { f in f.oldSHA.map { (f.file, $0) } })
        let cb = try r.b.contents(files.compactMap { f in f.newSHA.map { (f.file, $0) } })
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("repro-diff-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let tool = rsvg()
        return try parallelMap(count: files.count, threads: ProcessInfo.processInfo.activeProcessorCount) { k -> Figure in
            let f = files[k]
            var fig = Figure(file: f.file)
            func svg(_ c: [String: Side.Content], _ sha: String?) -> (Data?, String?) {
                guard sha != nil else { return (nil, nil) }
                switch c[f.file] {
                case .bytes(let d)?: return (d, nil)
                case .unavailable(let why)?: return (nil, why)
                case nil: return (nil, "not read")
                }
            }
            let (oldSVG, whyA) = svg(ca, f.oldSHA), (newSVG, whyB) = svg(cb, f.newSHA)
            guard let tool else { fig.note = "rsvg-convert not found (Debian librsvg2-bin): figures not rasterised"; return fig }
            var newImage: RGBAImage?
            if let newSVG, let png = rasterise(tool, newSVG, tmp: tmp, tag: "\(k)-b", size: nil) {
                fig.new = png; newImage = try? RGBAImage.decodePNG(png)
            }
            if let oldSVG, let png = rasterise(tool, oldSVG, tmp: tmp, tag: "\(k)-a", size: newImage.map { ($0.width, $0.height) }) {
                fig.old = png
                if let n = newImage, let o = try? RGBAImage.decodePNG(png), o.width == n.width, o.height == n.height {
                    let d = RGBAImage.difference(o, n)
                    fig.changedPixels = d.changed
                    fig.totalPixels = n.width * n.height
                    fig.diff = d.image.encodePNG()
                }
            }
            fig.note = [whyA.map { "old: \($0)" }, whyB.map { "new: \($0)" }].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
            return fig
        }
    }

    static func rasterise(_ tool: String, _ svg: Data, tmp: URL, tag: String, size: (Int, Int)?) -> Data? {
        let input = tmp.appendingPathComponent("\(tag).svg"), output = tmp.appendingPathComponent("\(tag).png")
        guard (try? svg.write(to: input)) != nil else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        var args = ["-f", "png", "-b", "white"]
        if let (w, h) = size { args += ["-w", String(w), "-h", String(h)] }
        p.arguments = args + ["-o", output.path, input.path]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return FileManager.default.contents(atPath: output.path)
    }

    static func esc(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }

    static func img(_ png: Data?, alt: String) -> String {
        guard let png else { return "<div class=\"none\">—</div>" }
        return "<img alt=\"\(esc(alt))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
    }

    static func page(_ r: DiffReport, figures: [Figure]) -> String {
        var s = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>repro diff: \(esc(r.a.label)) → \(esc(r.b.label))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
            tr.flipped td { background: #fde2e2; }
            .figs { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.5em; }
            .figs img { width: 100%; height: auto; border: 1px solid #ddd; }
            @media (max-width: 700px) { .figs { grid-template-columns: 1fr; } }
            code { font-size: 0.9em; }
            </style>
            </head>
            <body>
            <h1>repro diff</h1>
            <p>Old: <code>\(esc(r.a.label))</code> — new: <code>\(esc(r.b.label))</code>. \
            \(r.isEmpty ? "No differences." : "\(r.flips.count) claim(s) flipped, \(r.claims.count - r.flips.count) other claim change(s), \(r.metrics.count) metric(s), \(r.stages.count) stage(s), \(r.tables.count) table(s), \(r.figures.count) figure(s) changed.")</p>

            """
        s += "<h2 id=\"claims\">Claims</h2>\n"
        if r.claims.isEmpty {
            s += "<p>No claim changed\(r.claimsCompared > 0 ? " (of \(r.claimsCompared))" : "").</p>\n"
        } else {
            s += "<table>\n<tr><th>claim</th><th>change</th><th>old</th><th>new</th><th>Δ</th><th>bound</th><th>old verdict</th><th>new verdict</th></tr>\n"
            for c in r.claims {
                var delta = ""
                if let u = c.old?.value?.number, let v = c.new?.value?.number, u.isFinite, v.isFinite { delta = Show.signed(v - u) }
                let statement = (c.new?.statement ?? c.old?.statement).map { "<br>" + esc($0) } ?? ""
                s += "<tr class=\"\(c.kind.rawValue)\"><td><code>\(esc(c.id))</code>\(statement)</td>"
                s += "<td>\(c.kind.rawValue)</td><td>\(esc(Show.value(c.old?.value)))</td><td>\(esc(Show.value(c.new?.value)))</td><td>\(esc(delta))</td>"
                s += "<td>\(esc((c.new ?? c.old)?.bound ?? ""))</td><td>\(Show.holds(c.old?.holds))</td><td>\(Show.holds(c.new?.holds))</td></tr>\n"
            }
            s += "</table>\n"
        }
        if !r.metrics.isEmpty {
            s += "<h2 id=\"metrics\">Metrics</h2>\n<table>\n<tr><th>file</th><th>metric</th><th>old</th><th>new</th><th>Δ</th><th>Δ %</th></tr>\n"
            for m in r.metrics {
                s += "<tr><td><code>\(esc(m.file))</code></td><td><code>\(esc(m.name))</code></td><td>\(esc(Show.value(m.old)))</td><td>\(esc(Show.value(m.new)))</td>"
                s += "<td>\(m.abs.map(Show.signed) ?? "")</td><td>\(m.rel.map { Show.signed($0 * 100) } ?? "")</td></tr>\n"
            }
            s += "</table>\n"
        }
        if !r.tables.isEmpty {
            s += "<h2 id=\"tables\">Tables</h2>\n<table>\n<tr><th>file</th><th>rows</th><th>columns that differ (cells, max |Δ|, max rel)</th></tr>\n"
            for t in r.tables {
                guard let c = t.comparison else {
                    s += "<tr><td><code>\(esc(t.file))</code></td><td colspan=\"2\">\(esc(t.note ?? ""))</td></tr>\n"
                    continue
                }
                let rows = "\(c.rowsMatched) matched" + (c.keyColumns.isEmpty ? "" : " by \(c.keyColumns.joined(separator: ", "))")
                    + (c.rowsAdded + c.rowsRemoved > 0 ? "; \(c.rowsAdded) added, \(c.rowsRemoved) removed" : "")
                let cols = c.changedColumns.map { "\($0.name): \($0.cellsDiffering), \(Show.short($0.maxAbs)), \(Show.short($0.maxRel))" }
                s += "<tr><td><code>\(esc(t.file))</code></td><td>\(esc(rows))</td><td>\(cols.isEmpty ? "numbers equal" : cols.map(esc).joined(separator: "<br>"))</td></tr>\n"
            }
            s += "</table>\n"
        }
        s += "<h2 id=\"figures\">Figures</h2>\n"
        if figures.isEmpty { s += "<p>No figure changed.</p>\n" }
        for f in figures {
            s += "<h3><code>\(esc(f.file))</code></h3>\n"
            if let n = f.changedPixels, let t = f.totalPixels {
                s += "<p>\(n) of \(t) pixels changed (\(String(format: "%.2f", Double(n) * 100 / Double(max(t, 1))))%).</p>\n"
            }
            if let note = f.note { s += "<p>\(esc(note))</p>\n" }
            s += "<div class=\"figs\"><figure>\(img(f.old, alt: "old \(f.file)"))<figcaption>old</figcaption></figure>"
            s += "<figure>\(img(f.new, alt: "new \(f.file)"))<figcaption>new</figcaption></figure>"
            s += "<figure>\(img(f.diff, alt: "changed pixels of \(f.file)"))<figcaption>difference (changed pixels in red)</figcaption></figure></div>\n"
        }
        if !r.stages.isEmpty {
            s += "<h2 id=\"stages\">Stages with a new key</h2>\n<ul>\n"
            for st in r.stages {
                s += "<li><code>\(esc(st.stage))</code> (\(st.kind.rawValue))" + (st.reasons.isEmpty ? "" : ": " + st.reasons.map(esc).joined(separator: "; ")) + "</li>\n"
            }
            s += "</ul>\n"
        }
        s += "</body>\n</html>\n"
        return s
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

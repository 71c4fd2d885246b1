import Foundation
import XCTest

/// The gallery (figures/index.html) and the diff page, opened in a real
/// headless browser (Debian's `chromium`, installed by `scripts/ensure-system-deps.sh --test`):
/// no console error, no failed request, every image decoded with a non-zero
/// size, every link into the project resolving; screenshots at desktop and
/// phone widths are saved under `.build/browser-screenshots/` (not committed).
final class BrowserTests: XCTestCase {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs in the page, first thing in <head>: records load errors and
    /// console errors; after load, checks every image and fetches every
    /// relative link, then writes one line per finding into <pre id="repro-browser-check">.
    static let checker = """
        <script>(function(){
        var problems=[];
        window.addEventListener('error',function(e){var t=e.target;problems.push('FAILED '+(t&&(t.src||t.href)?'request '+(t.src||t.href):'script error '+e.message));},true);
        var ce=console.error;console.error=function(){problems.push('CONSOLE ERROR '+Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};
        window.addEventListener('load',function(){
          var out=[];
          document.querySelectorAll('img').forEach(function(i){out.push((i.complete&&i.naturalWidth>0&&i.naturalHeight>0?'ok':'BROKEN')+' img '+i.getAttribute('src').slice(0,60));});
          var links=[];
          document.querySelectorAll('a[href]').forEach(function(a){var h=a.getAttribute('href');
            if(h.charAt(0)=='#'){out.push((document.getElementById(h.slice(1))?'ok':'BROKEN')+' anchor '+h);}
            else if(!/^[a-z]+:/i.test(h)){links.push(h);}});
          var pending=links.length;
          function done(){var pre=document.createElement('pre');pre.id='repro-browser-check';pre.textContent=out.concat(problems).join('\\n');document.body.appendChild(pre);}
          if(!pending)done();
          links.forEach(function(h){var x=new XMLHttpRequest();x.open('GET',h);x.responseType='arraybuffer';
            x.onload=function(){out.push((x.response&&x.response.byteLength>0?'ok':'BROKEN')+' link '+h);if(--pending==0)done();};
            x.onerror=function(){out.push('BROKEN link '+h);if(--pending==0)done();};x.send();});
        });})();</script>
        """

    func chromium(_ args: [String]) throws -> (out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.chromium!)
        p.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                       "--user-data-dir=" + FileManager.default.temporaryDirectory.appendingPathComponent("repro-chromium-\(getpid())").path] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var e = Data()
        let g = DispatchGroup()
        DispatchQueue.global().async(group: g) { e = err.fileHandleForReading.readDataToEndOfFile() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Opens `page` (a copy with the checker beside it, so relative links
    /// resolve as for the page) and returns the checker's lines; saves screenshots named `name`.
    func open(_ page: URL, name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let html = try String(contentsOf: page, encoding: .utf8)
        let copy = page.deletingLastPathComponent().appendingPathComponent(".browser-check-\(UUID().uuidString).html")
        try Data(html.replacingOccurrences(of: "<head>", with: "<head>\n" + Self.checker).utf8).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let r = try chromium(["--allow-file-access-from-files", "--virtual-time-budget=15000", "--dump-dom", copy.absoluteString])
        guard let start = r.out.range(of: "<pre id=\"repro-browser-check\">"), let end = r.out.range(of: "</pre>", range: start.upperBound..<r.out.endIndex) else {
            XCTFail("the checker did not report (page \(page.path)); chromium said: \(r.err.suffix(2000))", file: file, line: line)
            return []
        }
        let lines = r.out[start.upperBound..<end.lowerBound].split(separator: "\n").map { String($0).replacingOccurrences(of: "&amp;", with: "&") }
        // Screenshots of the page itself, desktop and phone widths.
        let shots = Self.packageRoot.appendingPathComponent(".build/browser-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for (label, size) in [("desktop", "1366,900"), ("phone", "390,844")] {
            let png = shots.appendingPathComponent("\(name)-\(label).png")
            try? FileManager.default.removeItem(at: png)
            _ = try chromium(["--hide-scrollbars", "--window-size=\(size)", "--screenshot=\(png.path)", page.absoluteString])
            let size = (try? FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size ?? 0, 1000, "screenshot \(png.path)", file: file, line: line)
        }
        return lines
    }

    func assertClean(_ lines: [String], expectImages: Int, file: StaticString = #filePath, line: UInt = #line) {
        let bad = lines.filter { !$0.hasPrefix("ok ") }
        XCTAssertEqual(bad, [], file: file, line: line)
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok img") }.count, expectImages, lines.joined(separator: "\n"), file: file, line: line)
    }

    func testTheGalleryInAHeadlessBrowser() throws {
        guard Self.chromium != nil else { throw XCTSkip("chromium is not installed: ./run-tests installs it (scripts/ensure-system-deps.sh --test)") }
        // A copy of what the page links to: figures/, the report, and the compute-cost file a run writes.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("repro-gallery-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("paper"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("figures"), to: root.appendingPathComponent("figures"))
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("paper/reproduction.pdf"), to: root.appendingPathComponent("paper/reproduction.pdf"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".repro"), withIntermediateDirectories: true)
        try Data("window.reproComputeCost = {\"fig1\": {\"cpu_seconds\": 12.5, \"wall_seconds\": 8.0, \"stages\": 3, \"measured\": 3}};\n".utf8)
            .write(to: root.appendingPathComponent(".repro/compute-cost.js"))
        let lines = try open(root.appendingPathComponent("figures/index.html"), name: "gallery")
        assertClean(lines, expectImages: 7)
        XCTAssertTrue(lines.contains("ok link ../paper/reproduction.pdf"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("ok link fig4-collapse-vs-dimension.pdf"), lines.joined(separator: "\n"))
    }

    func testTheDiffPageInAHeadlessBrowser() throws {
        guard Self.chromium != nil else { throw XCTSkip("chromium is not installed: ./run-tests installs it (scripts/ensure-system-deps.sh --test)") }
        let loop = AuthorsLoopTests(name: "helper", testClosure: { _ in })  // for its scratch project
        let s = try loop.makeProject()
        try loop.setScale(s, "3")
        XCTAssertEqual(try s.repro("all").status, 0)
        XCTAssertEqual(try s.repro("diff", "--html", "page").status, 7)
        let lines = try open(s.root.appendingPathComponent("page/index.html"), name: "diff")
        assertClean(lines, expectImages: 3)  // old | new | difference of the one changed figure
    }
}

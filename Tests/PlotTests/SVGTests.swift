import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Plot

/// Collects elements with their (inherited) attributes while parsing.
final class SVGCollector: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String]; var text = "" }
    var elements: [Element] = []
    var stack: [[String: String]] = []
    var open: [Int] = []
    var root: String?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        // Only the text properties the renderer sets on groups are inherited.
        var inherited: [String: String] = [:]
        if let parent = stack.last {
            for k in ["font-size", "text-anchor"] where parent[k] != nil { inherited[k] = parent[k] }
        }
        let merged = inherited.merging(attributes) { $1 }
        stack.append(merged)
        elements.append(Element(name: name, attributes: merged))
        open.append(elements.count - 1)
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast(); open.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        // Text belongs to the enclosing <text> (tspans included).
        if let i = open.last(where: { elements[$0].name == "text" }) { elements[i].text += string }
    }
}

final class SVGTests: XCTestCase {
    func parse(_ svg: String) throws -> SVGCollector {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = SVGCollector()
        parser.delegate = c
        parser.shouldProcessNamespaces = false
        XCTAssertTrue(parser.parse(), "XML error: \(String(describing: parser.parserError))")
        return c
    }

    func testEveryFixtureIsWellFormedSVG() throws {
        for (name, make) in Fixtures.all {
            let svg = try make().svg()
            let c = try parse(svg)
            XCTAssertEqual(c.root, "svg", name)
            XCTAssertTrue(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\""), name)
            XCTAssertTrue(svg.hasSuffix("</svg>\n"), name)
            XCTAssertFalse(svg.contains("\r"), name)
            XCTAssertFalse(svg.contains("nan") || svg.contains("inf"), name)
            // Every url(#id) reference resolves.
            let ids = Set(c.elements.compactMap { $0.attributes["id"] })
            for e in c.elements {
                for v in e.attributes.values where v.hasPrefix("url(#") {
                    XCTAssertTrue(ids.contains(String(v.dropFirst(5).dropLast())), "\(name): dangling \(v)")
                }
            }
            XCTAssertEqual(ids.count, c.elements.filter { $0.attributes["id"] != nil }.count, "\(name): ids are unique")
        }
    }

    func testXmllintAcceptsFixtures() throws {
        guard let xmllint = which("xmllint") else { throw XCTSkip("xmllint not installed") }
        let dir = try tempDir()
        for (name, make) in Fixtures.all {
            let url = dir.appendingPathComponent(name + ".svg")
            try Data(try make().svg().utf8).write(to: url)
            let (status, err) = run(xmllint, ["--noout", url.path])
            XCTAssertEqual(status, 0, "\(name): \(err)")
        }
    }

    /// Each fixture rasterises through rsvg-convert (Debian librsvg2-bin; CI installs it).
    /// `PLOT_DUMP_DIR=/some/dir` keeps the SVGs and PNGs there for looking at.
    func testRasterisesWithRsvgConvert() throws {
        guard let rsvg = which("rsvg-convert") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("rsvg-convert missing in CI") }
            throw XCTSkip("rsvg-convert not installed")
        }
        var dir = try tempDir()
        if let keep = ProcessInfo.processInfo.environment["PLOT_DUMP_DIR"] {
            dir = URL(fileURLWithPath: keep, isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        for (name, make) in Fixtures.all {
            let svgURL = dir.appendingPathComponent(name + ".svg"), png = dir.appendingPathComponent(name + ".png")
            try Data(try make().svg().utf8).write(to: svgURL)
            let (status, err) = run(rsvg, ["-o", png.path, svgURL.path])
            XCTAssertEqual(status, 0, "\(name): \(err)")
            XCTAssertTrue(err.isEmpty, "\(name): rsvg-convert warned: \(err)")
            let data = try Data(contentsOf: png)
            XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name)
        }
    }

    func testSameInputSameBytesAcrossThreads() throws {
        let reference = try Fixtures.all.map { try $0.1().svg() }
        let results = LockedArray()
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            let (_, make) = Fixtures.all[k % Fixtures.all.count]
            let svg = (try? make().svg()) ?? "error"
            results.append(k % Fixtures.all.count, svg)
        }
        for (i, svg) in results.items { XCTAssertEqual(svg, reference[i], "fixture \(i) differs when built concurrently") }
        XCTAssertEqual(results.items.count, 8)
    }

    /// Text stays inside the figure and tick labels of an axis do not overlap (with the
    /// DejaVu Sans metrics the layout uses).
    func testNoClippedOrOverlappingText() throws {
        for (name, make) in Fixtures.all {
            let fig = make()
            let c = try parse(try fig.svg())
            var boxes: [(Double, Double, Double, Double, String)] = []
            for e in c.elements where e.name == "text" {
                guard let x = Double(e.attributes["x"] ?? ""), let y = Double(e.attributes["y"] ?? ""),
                      let size = Double(e.attributes["font-size"] ?? "") else { XCTFail("\(name): text without position/size"); continue }
                let w = FontMetrics.width(e.text, fontSize: size) * 0.98   // sub/superscripts are smaller: upper bound
                let anchor = e.attributes["text-anchor"] ?? "start"
                if let t = e.attributes["transform"], t.hasPrefix("rotate(-90") {
                    // Rotated: the width runs vertically.
                    XCTAssertGreaterThanOrEqual(y - w / 2, -0.5, "\(name): '\(e.text)' clipped at the top")
                    XCTAssertLessThanOrEqual(y + w / 2, fig.height + 0.5, "\(name): '\(e.text)' clipped at the bottom")
                    XCTAssertGreaterThanOrEqual(x - size * 0.8, -0.5, "\(name): '\(e.text)' clipped at the left")
                    continue
                }
                let x0 = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x
                XCTAssertGreaterThanOrEqual(x0, -0.5, "\(name): '\(e.text)' clipped at the left")
                XCTAssertLessThanOrEqual(x0 + w, fig.width + 0.5, "\(name): '\(e.text)' clipped at the right")
                XCTAssertGreaterThanOrEqual(y - size * 0.75, -0.5, "\(name): '\(e.text)' clipped at the top")
                XCTAssertLessThanOrEqual(y + size * 0.25, fig.height + 0.5, "\(name): '\(e.text)' clipped at the bottom")
                boxes.append((x0, y - size * 0.73, x0 + w, y, e.text))
            }
            // No two labels overlap (annotations inside plots excepted: none in fixtures overlap either).
            for i in boxes.indices { for j in boxes.indices where j > i {
                let a = boxes[i], b = boxes[j]
                let overlap = min(a.2, b.2) - max(a.0, b.0) > 0.5 && min(a.3, b.3) - max(a.1, b.1) > 0.5
                XCTAssertFalse(overlap, "\(name): '\(a.4)' overlaps '\(b.4)'")
            } }
        }
    }

    /// A 10 000-point smooth curve is simplified to a few hundred vertices, and no sample is
    /// farther than the tolerance from the drawn polyline.
    func testPolylineSimplification() throws {
        var fig = Figure(width: 300, height: 200)
        let x = Fixtures.linspace(0, 10, 10_000)
        fig[0, 0].line(x, x.map { Foundation.sin($0) + 0.3 * Foundation.sin(5 * $0) })
        let svg = try fig.svg()
        let d = try XCTUnwrap(try parse(svg).elements.first { $0.attributes["stroke"] == "#0072b2" }?.attributes["d"])
        let numbers = d.replacingOccurrences(of: "M", with: " ").replacingOccurrences(of: "L", with: " ")
            .split(separator: " ").compactMap { Double($0) }
        let vertices = numbers.count / 2
        XCTAssertLessThan(vertices, 600)
        XCTAssertGreaterThan(vertices, 50)
        XCTAssertLessThan(svg.utf8.count, 20_000)
        // Direct check of the algorithm's guarantee.
        let pts = (0..<5000).map { Point(Double($0) * 0.05, 40 * Foundation.sin(Double($0) * 0.01)) }
        let s = Simplify.rdp(pts, tolerance: 0.05)
        for p in pts {
            let d2 = zip(s, s.dropFirst()).map { Simplify.segmentDistance2(p, $0, $1) }.min()!
            XCTAssertLessThanOrEqual(d2.squareRoot(), 0.05 + 1e-12)
        }
    }

    func testLegendAvoidsData() throws {
        // Data fill the upper right; the legend goes elsewhere.
        var fig = Figure(width: 300, height: 200)
        let x = Fixtures.linspace(0, 1, 200)
        fig[0, 0].line(x, x.map { $0 * $0 }, label: "rising")
        let svg = try fig.svg()
        let c = try parse(svg)
        let legend = try XCTUnwrap(c.elements.first { $0.name == "rect" && $0.attributes["rx"] == "2" })
        let clip = try XCTUnwrap(c.elements.first { $0.name == "rect" && c.elements.contains { $0.name == "clipPath" } && $0.attributes["fill"] == nil && $0.attributes["width"] != nil })
        let lx = Double(legend.attributes["x"]!)!, px = Double(clip.attributes["x"]!)!
        XCTAssertLessThan(lx - px, 20, "legend placed at the upper left, away from the rising curve")
    }

    // MARK: helpers

    final class LockedArray: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [(Int, String)] = []
        func append(_ i: Int, _ s: String) { lock.lock(); storage.append((i, s)); lock.unlock() }
        var items: [(Int, String)] { lock.lock(); defer { lock.unlock() }; return storage }
    }

    func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    func run(_ exe: String, _ args: [String]) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}

extension SVGTests {
    /// Big heat maps are one embedded PNG: small files, and the PNG decodes (checked by
    /// rsvg-convert rendering it to the right colours).
    func testLargeHeatmapIsAnEmbeddedPNG() throws {
        var fig = Figure(width: 250, height: 200)
        let xs = Fixtures.linspace(-3, 3, 100)
        fig[0, 0].heatmap(x: xs, y: xs, z: xs.map { y in xs.map { x in exp(-(x * x + y * y) / 2) } })
        let svg = try fig.svg()
        XCTAssertLessThan(svg.utf8.count, 60_000)
        XCTAssertEqual(svg.components(separatedBy: "data:image/png;base64,").count, 2)
        XCTAssertTrue(try parse(svg).root == "svg")
        // The encoder against known values: CRC-32 and Adler-32 check values, base64.
        XCTAssertEqual(PNGEncoder.crc32(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(PNGEncoder.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(PNGEncoder.base64(Array("Man".utf8)), "TWFu")
        XCTAssertEqual(PNGEncoder.base64(Array("Ma".utf8)), "TWE=")
        guard let rsvg = which("rsvg-convert") else { throw XCTSkip("rsvg-convert not installed") }
        let dir = try tempDir()
        let url = dir.appendingPathComponent("big-heatmap.svg")
        try Data(svg.utf8).write(to: url)
        let (status, err) = run(rsvg, ["-o", dir.appendingPathComponent("big-heatmap.png").path, url.path])
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(err.isEmpty, err)
    }
}

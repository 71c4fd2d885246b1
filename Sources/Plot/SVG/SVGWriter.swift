/// The drawing backend: writes SVG 1.1 elements, one per line, attributes in the order given.
/// It knows nothing of scales or marks; it draws in figure coordinates (points, y down).
struct SVGWriter {
    /// An attribute list; order is preserved in the output.
    typealias Attributes = [(String, String)]

    private(set) var output = ""
    private var stack: [String] = []

    init() {}

    mutating func open(_ name: String, _ attributes: Attributes = []) {
        output += "<" + name + Self.render(attributes) + ">\n"
        stack.append(name)
    }

    mutating func close() {
        let name = stack.removeLast()
        output += "</" + name + ">\n"
    }

    /// An element without children.
    mutating func leaf(_ name: String, _ attributes: Attributes) {
        output += "<" + name + Self.render(attributes) + "/>\n"
    }

    /// An element whose content is pre-rendered markup (e.g. `<tspan>`s), on one line.
    mutating func inline(_ name: String, _ attributes: Attributes, content: String) {
        output += "<" + name + Self.render(attributes) + ">" + content + "</" + name + ">\n"
    }

    mutating func raw(_ line: String) { output += line + "\n" }

    /// The finished document; every element must have been closed.
    func finish() -> String {
        precondition(stack.isEmpty, "SVGWriter: unclosed <\(stack.last ?? "")>")
        return output
    }

    static func render(_ attributes: Attributes) -> String {
        var s = ""
        for (k, v) in attributes { s += " " + k + "=\"" + XMLEscape.attribute(v) + "\"" }
        return s
    }
}

/// SVG path data with fixed-precision coordinates: `M x y L x y x y … Z`.
struct PathData {
    private(set) var string = ""
    private var lastCommand: Character? = nil
    var isEmpty: Bool { string.isEmpty }

    init() {}

    mutating func move(_ p: Point) { command("M", p) }
    mutating func line(_ p: Point) { command("L", p) }
    mutating func close() { string += "Z"; lastCommand = "Z" }
    /// Relative arc, used for circle markers.
    mutating func arc(rx: Double, ry: Double, dx: Double, dy: Double, large: Bool, sweep: Bool) {
        string += "a" + f(rx) + " " + f(ry) + " 0 " + (large ? "1" : "0") + " " + (sweep ? "1" : "0")
            + " " + f(dx) + " " + f(dy)
        lastCommand = "a"
    }
    mutating func polyline(_ points: [Point], closed: Bool = false) {
        guard let first = points.first else { return }
        move(first)
        for p in points.dropFirst() { line(p) }
        if closed { close() }
    }

    private mutating func command(_ c: Character, _ p: Point) {
        if lastCommand == c && c == "L" {
            string += " "
        } else {
            string.append(c)
        }
        string += f(p.x) + " " + f(p.y)
        lastCommand = c
    }

    private func f(_ x: Double) -> String { Fixed.format(x) }
}

import Foundation
import Yams

/// Minimal textual edits of a YAML file: set the value at a key path,
/// replacing only that value's text (or inserting one line, or one entry of
/// a flow mapping), so comments and layout elsewhere stay as they were.
public enum YAMLEdit {
    public struct EditError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    struct Pos: Comparable {
        var line: Int  // 0-based
        var col: Int   // 0-based, in Unicode scalars (as libyaml counts)
        static func < (a: Pos, b: Pos) -> Bool { (a.line, a.col) < (b.line, b.col) }
    }

    /// `text` with the value at `path` (mapping keys from the root) set to
    /// `value` (YAML flow text, one line). Missing mappings on the way are
    /// created as flow mappings (`target: {mu: 3}`).
    public static func set(_ text: String, path: [String], value: String) throws -> String {
        guard !path.isEmpty, !value.contains("\n") else { throw EditError(description: "a value must be one line of YAML") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard let root = try Yams.compose(yaml: text) else { throw EditError(description: "the file is empty") }
        var node = root
        var keyNode: Node? = nil
        for (depth, k) in path.enumerated() {
            guard case .mapping(let m) = node else {
                throw EditError(description: "'\(path[..<depth].joined(separator: "."))' is a \(kindName(node)), not a mapping: set it whole")
            }
            guard let (kn, vn) = m.first(where: { $0.key.string == k }) else {
                // Insert path[depth...] into mapping `node`.
                let entry = "\(k): \(nested(Array(path[(depth + 1)...]), value))"
                try insert(into: node, entry: entry, lines: &lines)
                return join(lines)
            }
            keyNode = kn
            node = vn
        }
        try replace(node, key: keyNode!, with: value, lines: &lines)
        return join(lines)
    }

    static func kindName(_ n: Node) -> String {
        switch n {
        case .scalar: "scalar"
        case .sequence: "list"
        case .mapping: "mapping"
        case .alias: "alias"
        }
    }

    static func nested(_ rest: [String], _ value: String) -> String {
        rest.reversed().reduce(value) { "{\($1): \($0)}" }
    }

    static func join(_ lines: [[Unicode.Scalar]]) -> String {
        var s = String.UnicodeScalarView()
        for (i, l) in lines.enumerated() {
            if i > 0 { s.append("\n") }
            s.append(contentsOf: l)
        }
        return String(s)
    }

    static func pos(_ n: Node) throws -> Pos {
        guard let m = n.mark else { throw EditError(description: "no position for a node") }
        return Pos(line: m.line - 1, col: m.column - 1)
    }

    static func char(_ lines: [[Unicode.Scalar]], _ p: Pos) -> Unicode.Scalar? {
        p.line < lines.count && p.col < lines[p.line].count ? lines[p.line][p.col] : nil
    }

    static func indent(_ l: [Unicode.Scalar]) -> Int? {
        var i = 0
        while i < l.count, l[i] == " " { i += 1 }
        if i == l.count || l[i] == "#" { return nil }  // blank or comment only
        return i
    }

    /// The end (exclusive) of a flow collection or quoted scalar starting at `p`.
    static func matchingEnd(_ lines: [[Unicode.Scalar]], from p: Pos) -> Pos? {
        var depth = 0
        var q = p
        var quote: Unicode.Scalar? = nil
        while q.line < lines.count {
            let l = lines[q.line]
            while q.col < l.count {
                let c = l[q.col]
                if let qc = quote {
                    if qc == "'" && c == "'" {
                        if q.col + 1 < l.count && l[q.col + 1] == "'" { q.col += 2; continue }
                        quote = nil
                        if depth == 0 { return Pos(line: q.line, col: q.col + 1) }
                    } else if qc == "\"" && c == "\\" { q.col += 1 }
                    else if qc == "\"" && c == "\"" {
                        quote = nil
                        if depth == 0 { return Pos(line: q.line, col: q.col + 1) }
                    }
                } else {
                    switch c {
                    case "'", "\"": quote = c
                    case "[", "{": depth += 1
                    case "]", "}":
                        depth -= 1
                        if depth == 0 { return Pos(line: q.line, col: q.col + 1) }
                    case "#" where q.col > 0 && (l[q.col - 1] == " "): q.col = l.count; continue
                    default: break
                    }
                }
                q.col += 1
            }
            q = Pos(line: q.line + 1, col: 0)
        }
        return nil
    }

    /// Whether position `p` is inside a flow collection (looking back on the line and above for an unclosed bracket).
    static func inFlow(_ lines: [[Unicode.Scalar]], before p: Pos) -> Bool {
        var depth = 0
        var line = p.line
        var col = p.col - 1
        while line >= 0 {
            let l = lines[line]
            while col >= 0 {
                switch l[col] {
                case "]", "}": depth += 1
                case "[", "{":
                    if depth == 0 { return true }
                    depth -= 1
                default: break
                }
                col -= 1
            }
            if indent(l) == 0 { return false }  // a top-level line: no flow context above it
            line -= 1
            if line >= 0 { col = lines[line].count - 1 }
        }
        return false
    }

    /// The last line of a block node that starts at `start` and whose
    /// entries are more indented than `parentIndent` (or at it, for `- ` items).
    static func blockLastLine(_ lines: [[Unicode.Scalar]], from start: Pos, parentIndent: Int) -> Int {
        var last = start.line
        var i = start.line + 1
        while i < lines.count {
            guard let ind = indent(lines[i]) else { i += 1; continue }
            let isItem = lines[i].count > ind + 1 && lines[i][ind] == "-" && lines[i][ind + 1] == " "
            if ind > parentIndent || (ind == parentIndent && isItem && start.col == parentIndent) { last = i; i += 1 } else { break }
        }
        return last
    }

    static func replace(_ node: Node, key: Node, with value: String, lines: inout [[Unicode.Scalar]]) throws {
        let kp = try pos(key)
        var start = try pos(node)
        var end: Pos
        let c = char(lines, start)
        let keyIndent = indent(lines[kp.line]) ?? kp.col
        if case .scalar(let s) = node, s.string.isEmpty, s.style == .plain {
            // `key:` with nothing after it (null): the value goes after the colon.
            let a = afterColon(lines, kp)
            return splice(&lines, a, a, " " + value)
        }
        if c == "[" || c == "{" || c == "'" || c == "\"" {
            guard let e = matchingEnd(lines, from: start) else { throw EditError(description: "unbalanced value at line \(start.line + 1)") }
            end = e
        } else if case .scalar = node, start.line == kp.line || start > kp {
            // A plain scalar: to the end of the line, a comment, or (in flow) a , ] }.
            let flow = inFlow(lines, before: start)
            let l = lines[start.line]
            var e = start.col
            while e < l.count {
                let ch = l[e]
                if ch == "#" && e > 0 && l[e - 1] == " " { break }
                if flow && (ch == "," || ch == "]" || ch == "}") { break }
                e += 1
            }
            while e > start.col && l[e - 1] == " " { e -= 1 }
            end = Pos(line: start.line, col: e)
        } else {
            // A block mapping or list: from after `key:` to its last line.
            let last = blockLastLine(lines, from: start, parentIndent: keyIndent)
            start = afterColon(lines, kp)
            end = Pos(line: last, col: lines[last].count)
            return splice(&lines, start, end, " " + value)
        }
        splice(&lines, start, end, value)
    }

    static func afterColon(_ lines: [[Unicode.Scalar]], _ kp: Pos) -> Pos {
        let l = lines[kp.line]
        var i = kp.col
        var quote: Unicode.Scalar? = nil
        while i < l.count {
            let c = l[i]
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c }
            else if c == ":" && (i + 1 == l.count || l[i + 1] == " ") { return Pos(line: kp.line, col: i + 1) }
            i += 1
        }
        return Pos(line: kp.line, col: l.count)
    }

    static func splice(_ lines: inout [[Unicode.Scalar]], _ a: Pos, _ b: Pos, _ text: String) {
        let head = Array(lines[a.line][..<a.col]), tail = Array(lines[b.line][b.col...])
        lines.replaceSubrange(a.line...b.line, with: [head + Array(text.unicodeScalars) + tail])
    }

    static func insert(into mapping: Node, entry: String, lines: inout [[Unicode.Scalar]]) throws {
        let p = try pos(mapping)
        guard case .mapping(let m) = mapping else { return }
        if char(lines, p) == "{" {
            guard let e = matchingEnd(lines, from: p) else { throw EditError(description: "unbalanced mapping at line \(p.line + 1)") }
            let close = Pos(line: e.line, col: e.col - 1)
            splice(&lines, close, close, m.count == 0 ? entry : ", " + entry)
            return
        }
        // A block mapping: a new line after its last one, at its keys' indentation.
        guard let first = m.first else { throw EditError(description: "cannot add to an empty mapping at line \(p.line + 1)") }
        let kp = try pos(first.key)
        var last = kp.line
        for (k, v) in m {
            let vp = try pos(v)
            let c = char(lines, vp)
            let kpos = try pos(k)
            var l = max(kpos.line, vp.line)
            if c == "[" || c == "{" || c == "'" || c == "\"", let e = matchingEnd(lines, from: vp) { l = max(l, e.line) }
            if case .scalar = v {} else if c != "[" && c != "{" { l = max(l, blockLastLine(lines, from: vp, parentIndent: kp.col)) }
            if case .scalar(let s) = v, s.style == .literal || s.style == .folded { l = max(l, blockLastLine(lines, from: kpos, parentIndent: kp.col)) }
            if case .scalar(let s) = v, s.style == .plain, vp.line > kpos.line { l = max(l, blockLastLine(lines, from: kpos, parentIndent: kp.col)) }
            last = max(last, l)
        }
        lines.insert(Array((String(repeating: " ", count: kp.col) + entry).unicodeScalars), at: last + 1)
    }

    /// A YAML node as one line of flow YAML (for `--set-file` values).
    public static func flowText(_ n: Node) -> String {
        switch n {
        case .scalar(let s):
            if s.style == .plain { return s.string }
            var out = ""
            out += "\""
            for c in s.string.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(c)
                }
            }
            return out + "\""
        case .sequence(let q): return "[" + q.map(flowText).joined(separator: ", ") + "]"
        case .mapping(let m): return "{" + m.map { "\(flowText($0.key)): \(flowText($0.value))" }.joined(separator: ", ") + "}"
        case .alias: return ""
        }
    }
}

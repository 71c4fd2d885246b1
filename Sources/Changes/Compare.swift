import Engine
import Foundation

/// One claim as `claims.json` records it, read leniently: keyed on `id`;
/// `value`, `holds`, `bound`, `figure` and `claim` when present; anything else ignored.
public struct ClaimRecord: Sendable, Equatable {
    public var id: String
    public var figure: String?
    public var statement: String?
    public var value: Value?
    public var bound: String?
    public var holds: Bool?

    /// The claims of a `claims.json` (`{"claims": [...]}` or a bare list), by id; nil if it is not JSON of that shape.
    public static func parse(_ data: Data) -> [String: ClaimRecord]? {
        guard let v = try? JSONReader.parse(String(decoding: data, as: UTF8.self)) else { return nil }
        let list: [Value]
        switch v {
        case .object(let o): guard case .array(let a)? = o["claims"] else { return nil }; list = a
        case .array(let a): list = a
        default: return nil
        }
        var out: [String: ClaimRecord] = [:]
        for item in list {
            guard case .object(let o) = item, case .string(let id)? = o["id"] else { continue }
            var c = ClaimRecord(id: id)
            if case .string(let s)? = o["figure"] { c.figure = s }
            if case .string(let s)? = o["claim"] { c.statement = s }
            c.value = o["value"]
            if case .string(let s)? = o["bound"] { c.bound = s } else if let b = o["bound"], b != .null { c.bound = b.canonicalJSON }
            if case .bool(let b)? = o["holds"] { c.holds = b }
            out[id] = c
        }
        return out
    }
}

extension Value {
    /// The number a JSON value holds (integers too; the strings NaN/±Infinity that canonical JSON writes).
    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string("NaN"): .nan
        case .string("Infinity"): .infinity
        case .string("-Infinity"): -.infinity
        default: nil
        }
    }
}

/// The absolute and relative difference of two numbers; relative to the larger magnitude.
public func deltas(_ a: Double, _ b: Double) -> (abs: Double, rel: Double) {
    if a == b || (a.isNaN && b.isNaN) { return (0, 0) }
    let d = Swift.abs(b - a)
    let scale = max(Swift.abs(a), Swift.abs(b))
    return (d, scale == 0 ? 0 : d / scale)
}

/// A figure's metrics: the `metrics` object of a `metrics.json` (nested
/// objects flattened with dots), number by name; nil if there is none.
public func parseMetrics(_ data: Data) -> [String: Value]? {
    guard case .object(let root)? = try? JSONReader.parse(String(decoding: data, as: UTF8.self)),
          case .object(let m)? = root["metrics"] else { return nil }
    var out: [String: Value] = [:]
    func walk(_ o: Value.Object, _ prefix: String) {
        for e in o.entries {
            if case .object(let sub) = e.value { walk(sub, prefix + e.key + ".") } else { out[prefix + e.key] = e.value }
        }
    }
    walk(m, "")
    return out
}

// MARK: - CSV

/// A CSV file: a header line and rows (RFC 4180 quoting).
public struct CSVText: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public static func parse(_ data: Data) -> CSVText? {
        guard String(data: data, encoding: .utf8) != nil else { return nil }
        var rows: [[String]] = []
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            let n = b.count
            var i = 0
            var row: [String] = []
            while i < n {
                // One field.
                var field: String
                if b[i] == 0x22 {  // quoted
                    var bytes: [UInt8] = []
                    i += 1
                    while i < n {
                        if b[i] == 0x22 {
                            if i + 1 < n && b[i + 1] == 0x22 { bytes.append(0x22); i += 2; continue }
                            i += 1
                            break
                        }
                        bytes.append(b[i]); i += 1
                    }
                    while i < n && b[i] != 0x2C && b[i] != 0x0A { i += 1 }  // junk after the closing quote
                    field = String(decoding: bytes, as: UTF8.self)
                } else {
                    let s = i
                    while i < n && b[i] != 0x2C && b[i] != 0x0A { i += 1 }
                    var e = i
                    if e > s && b[e - 1] == 0x0D { e -= 1 }
                    field = String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
                }
                row.append(field)
                if i >= n || b[i] == 0x0A { rows.append(row); row = []; row.reserveCapacity(rows[0].count) }
                i += 1
                if i == n && n > 0 && b[n - 1] == 0x2C { rows.append(row + [""]); row = [] }
            }
        }
        guard let header = rows.first else { return nil }
        return CSVText(header: header, rows: Array(rows.dropFirst()))
    }
}

/// How two versions of a table differ.
public struct TableComparison: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var maxAbs: Double
        public var maxRel: Double
        /// Cells of matched rows whose numbers differ.
        public var cellsDiffering: Int
        /// Cells where one side is NaN and the other is not: not a small difference.
        public var nanMismatches: Int
        /// Of the differing cells, those outside the tolerance (verify --numeric), if one was given.
        public var outsideTolerance: Int
    }
    public var keyColumns: [String]
    public var columnsAdded: [String]
    public var columnsRemoved: [String]
    public var rowsAdded: Int
    public var rowsRemoved: Int
    public var rowsMatched: Int
    /// Numeric columns of both sides, in the new header's order (those that differ and those that do not).
    public var columns: [Column]
    /// Cells of key (non-numeric) columns that differ in matched rows: none by construction; kept for the schema.
    public var changedColumns: [Column] { columns.filter { $0.cellsDiffering > 0 } }

    /// Rows and columns the same, every number within the tolerance (no NaN against a number).
    public var withinTolerance: Bool {
        columnsAdded.isEmpty && columnsRemoved.isEmpty && rowsAdded == 0 && rowsRemoved == 0
            && columns.allSatisfy { $0.outsideTolerance == 0 && $0.nanMismatches == 0 }
    }

    /// Compares two tables. A column is numeric when every non-empty cell of
    /// both sides is a number; the other columns are the key, and so are
    /// integer columns that are the same on both sides (or when the row counts differ). Rows are matched
    /// by their key and, among rows with the same key, by their order.
    public static func compare(_ a: CSVText, _ b: CSVText, rtol: Double? = nil, atol: Double = 0) -> TableComparison {
        let common = b.header.filter { a.header.contains($0) }
        let ia = Dictionary(a.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
        let ib = Dictionary(b.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
        func cell(_ r: [String], _ i: Int?) -> String { i.flatMap { $0 < r.count ? r[$0] : nil } ?? "" }
        func isNumeric(_ col: String) -> Bool {
            var any = false
            for (t, idx) in [(a, ia[col]), (b, ib[col])] {
                for r in t.rows {
                    let s = cell(r, idx)
                    if s.isEmpty { continue }
                    guard Double(s) != nil else { return false }
                    any = true
                }
            }
            return any
        }
        // Integer columns (seed, step, d) are keys too when they do not
        // change, or when rows were added or removed; else they are data (counts).
        func isIntegerKey(_ col: String) -> Bool {
            func integral(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D } }
            guard a.rows.allSatisfy({ integral(cell($0, ia[col])) }), b.rows.allSatisfy({ integral(cell($0, ib[col])) }) else { return false }
            if a.rows.count != b.rows.count { return true }
            return zip(a.rows, b.rows).allSatisfy { cell($0, ia[col]) == cell($1, ib[col]) }
        }
        let numeric = common.filter { isNumeric($0) && !isIntegerKey($0) }
        let keys = common.filter { !numeric.contains($0) }
        func rowKeys(_ t: CSVText, _ idx: [String: Int]) -> [String] {
            var seen: [String: Int] = [:]
            return t.rows.map { r in
                let k = keys.map { cell(r, idx[$0]) }.joined(separator: "\u{1F}")
                let n = seen[k, default: 0]
                seen[k] = n + 1
                return k + "\u{1E}\(n)"
            }
        }
        let ka = rowKeys(a, ia), kb = rowKeys(b, ib)
        let rowA = Dictionary(ka.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
        var matched: [(Int, Int)] = []
        var added = 0
        for (j, k) in kb.enumerated() { if let i = rowA[k] { matched.append((i, j)) } else { added += 1 } }
        var columns: [Column] = []
        for col in numeric {
            var c = Column(name: col, maxAbs: 0, maxRel: 0, cellsDiffering: 0, nanMismatches: 0, outsideTolerance: 0)
            for (i, j) in matched {
                let sa = cell(a.rows[i], ia[col]), sb = cell(b.rows[j], ib[col])
                if sa == sb { continue }
                guard let x = Double(sa), let y = Double(sb) else { c.cellsDiffering += 1; c.nanMismatches += 1; continue }
                if x == y || (x.isNaN && y.isNaN) { continue }
                c.cellsDiffering += 1
                if x.isNaN != y.isNaN || x.isInfinite || y.isInfinite { c.nanMismatches += 1; continue }
                let (d, r) = deltas(x, y)
                c.maxAbs = max(c.maxAbs, d)
                c.maxRel = max(c.maxRel, r)
                if let rtol, d > atol + rtol * Swift.abs(x) { c.outsideTolerance += 1 }
            }
            columns.append(c)
        }
        return TableComparison(keyColumns: keys, columnsAdded: b.header.filter { ia[$0] == nil },
                               columnsRemoved: a.header.filter { ib[$0] == nil },
                               rowsAdded: added, rowsRemoved: a.rows.count - matched.count, rowsMatched: matched.count,
                               columns: columns)
    }
}

// MARK: - JSON, numerically

/// Compares two JSON documents: the same structure and strings, numbers
/// within `atol + rtol·|a|`. Returns the differences found (at most `limit`),
/// each "path: what", and the largest absolute and relative difference.
public func compareJSONNumerically(_ a: Value, _ b: Value, rtol: Double, atol: Double, limit: Int = 5)
    -> (problems: [String], maxAbs: Double, maxRel: Double) {
    var problems: [String] = []
    var maxAbs = 0.0, maxRel = 0.0
    func note(_ s: String) { if problems.count < limit { problems.append(s) } }
    func walk(_ x: Value, _ y: Value, _ path: String) {
        if let u = x.number, let v = y.number {
            if u == v || (u.isNaN && v.isNaN) { return }
            if u.isNaN || v.isNaN || u.isInfinite || v.isInfinite { note("\(path): \(x.canonicalJSON) → \(y.canonicalJSON)"); return }
            let (d, r) = deltas(u, v)
            maxAbs = max(maxAbs, d); maxRel = max(maxRel, r)
            if d > atol + rtol * Swift.abs(u) { note("\(path): \(x.canonicalJSON) → \(y.canonicalJSON) (beyond tolerance)") }
            return
        }
        switch (x, y) {
        case (.object(let o), .object(let p)):
            if o.keys != p.keys { note("\(path.isEmpty ? "." : path): keys differ"); return }
            for e in o.entries { walk(e.value, p[e.key]!, path + "." + e.key) }
        case (.array(let s), .array(let t)):
            if s.count != t.count { note("\(path): \(s.count) → \(t.count) entries"); return }
            for (i, (u, v)) in zip(s, t).enumerated() { walk(u, v, path + "[\(i)]") }
        default:
            if x != y { note("\(path): \(x.canonicalJSON) → \(y.canonicalJSON) (not a number)") }
        }
    }
    walk(a, b, "")
    return (problems, maxAbs, maxRel)
}

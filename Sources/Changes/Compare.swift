import EngineCore
import StageAPI
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

/// A CSV file: a header line and rows (RFC 4180 quoting), its cells kept as
/// byte ranges of one buffer (a diff reads millions of cells: no String each).
public struct CSVText: Sendable {
    public var header: [String]
    /// The file's bytes, quoted fields unescaped in place.
    let bytes: [UInt8]
    /// Cell k spans bytes[starts[k]..<ends[k]]; row r's cells are rowFirst[r]..<rowFirst[r+1].
    let starts: [Int32]
    let ends: [Int32]
    let rowFirst: [Int]

    public var rowCount: Int { rowFirst.count - 1 }

    /// Cell `c` of data row `r` (empty range if the row is short).
    @inline(__always) func cell(_ r: Int, _ c: Int) -> Range<Int> {
        let k = rowFirst[r] + c
        return k < rowFirst[r + 1] ? Int(starts[k])..<Int(ends[k]) : 0..<0
    }

    func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }

    /// Per header column, in one pass over the cells: whether every non-empty
    /// cell is a number, and whether any cell is non-empty.
    func columnKinds() -> [(numeric: Bool, nonEmpty: Bool)] {
        var kinds = [(numeric: Bool, nonEmpty: Bool)](repeating: (true, false), count: header.count)
        bytes.withUnsafeBufferPointer { b in
            for r in 0..<rowCount {
                let first = rowFirst[r], end = min(rowFirst[r + 1], first + header.count)
                for k in first..<end {
                    let c = k - first
                    let s = Int(starts[k]), e = Int(ends[k])
                    if s == e || !kinds[c].numeric { continue }
                    kinds[c].nonEmpty = true
                    var digit = false, plain = true
                    for i in s..<e {
                        let x = b[i]
                        if x >= 0x30 && x <= 0x39 { digit = true } else if !(x == 0x2B || x == 0x2D || x == 0x2E || x == 0x65 || x == 0x45) { plain = false; break }
                    }
                    if !(plain ? digit : Cells.number(bytes, s..<e) != nil) { kinds[c].numeric = false }
                }
            }
        }
        return kinds
    }

    /// The data rows as strings (for tests and small tables).
    public var rows: [[String]] {
        (0..<rowCount).map { r in (rowFirst[r]..<rowFirst[r + 1]).map { string(Int(starts[$0])..<Int(ends[$0])) } }
    }

    public static func parse(_ data: Data) -> CSVText? {
        guard String(data: data, encoding: .utf8) != nil else { return nil }
        var b = [UInt8](data)
        var starts: [Int32] = [], ends: [Int32] = []
        var rowFirst: [Int] = [0]
        let n = b.count
        guard n < Int(Int32.max) else { return nil }
        starts.reserveCapacity(n / 8); ends.reserveCapacity(n / 8)
        b.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < n {
                if p[i] == 0x22 {  // quoted: unescape in place
                    var w = i
                    let s = w
                    i += 1
                    while i < n {
                        if p[i] == 0x22 {
                            if i + 1 < n && p[i + 1] == 0x22 { p[w] = 0x22; w += 1; i += 2; continue }
                            i += 1
                            break
                        }
                        p[w] = p[i]; w += 1; i += 1
                    }
                    while i < n && p[i] != 0x2C && p[i] != 0x0A { i += 1 }
                    starts.append(Int32(s)); ends.append(Int32(w))
                } else {
                    let s = i
                    while i < n && p[i] != 0x2C && p[i] != 0x0A { i += 1 }
                    var e = i
                    if e > s && p[e - 1] == 0x0D { e -= 1 }
                    starts.append(Int32(s)); ends.append(Int32(e))
                }
                if i >= n || p[i] == 0x0A { rowFirst.append(starts.count) }
                i += 1
                if i == n && p[n - 1] == 0x2C { starts.append(Int32(n)); ends.append(Int32(n)); rowFirst.append(starts.count) }
            }
        }
        guard rowFirst.count >= 2 else { return nil }
        let header = (0..<rowFirst[1]).map { String(decoding: b[Int(starts[$0])..<Int(ends[$0])], as: UTF8.self) }
        return CSVText(header: header, bytes: b, starts: Array(starts[rowFirst[1]...]).map { $0 }, ends: Array(ends[rowFirst[1]...]),
                       rowFirst: rowFirst.dropFirst().map { $0 - rowFirst[1] })
    }
}

/// Byte-level helpers for CSV cells.
enum Cells {
    @inline(__always) static func equal(_ a: [UInt8], _ ra: Range<Int>, _ b: [UInt8], _ rb: Range<Int>) -> Bool {
        guard ra.count == rb.count else { return false }
        if ra.isEmpty { return true }
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            memcmp(pa.baseAddress! + ra.lowerBound, pb.baseAddress! + rb.lowerBound, ra.count) == 0
        } }
    }

    /// Looks like a number (digits, sign, point, exponent; nan, inf): a cheap test before parsing.
    static func looksNumeric(_ b: [UInt8], _ r: Range<Int>) -> Bool {
        var digit = false
        for i in r {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 { digit = true; continue }
            if c == 0x2B || c == 0x2D || c == 0x2E || c == 0x65 || c == 0x45 { continue }
            return number(b, r) != nil
        }
        return digit
    }

    static func integral(_ b: [UInt8], _ r: Range<Int>) -> Bool {
        !r.isEmpty && r.allSatisfy { (b[$0] >= 0x30 && b[$0] <= 0x39) || b[$0] == 0x2D }
    }

    /// The cell's number, as Swift's Double(String) reads it (correctly rounded).
    static func number(_ b: [UInt8], _ r: Range<Int>) -> Double? {
        r.isEmpty ? nil : Double(String(decoding: b[r], as: UTF8.self))
    }

    static let powers: [Double] = (0...22).map { Double("1e\($0)")! }

    /// A decimal number read within about one ulp of the correctly rounded
    /// value, without strtod (whose slow path dominates a diff of big tables);
    /// nil for what it does not read (nan, inf, hex, decimal exponents beyond
    /// ±44), which `number` then reads.
    @inline(__always) static func approximate(_ b: [UInt8], _ r: Range<Int>) -> Double? {
        var i = r.lowerBound
        let end = r.upperBound
        guard i < end else { return nil }
        var negative = false
        if b[i] == 0x2D || b[i] == 0x2B { negative = b[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exp10 = 0
        var sawDigit = false, sawPoint = false
        while i < end {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                sawDigit = true
                if digits < 19 {
                    if mantissa != 0 || c != 0x30 { digits += 1 }
                    mantissa = mantissa &* 10 &+ UInt64(c - 0x30)
                    if sawPoint { exp10 -= 1 }
                } else if !sawPoint { exp10 += 1 }
            } else if c == 0x2E && !sawPoint {
                sawPoint = true
            } else { break }
            i += 1
        }
        guard sawDigit else { return nil }
        if i < end {
            guard b[i] == 0x65 || b[i] == 0x45 else { return nil }
            i += 1
            var eneg = false
            if i < end && (b[i] == 0x2D || b[i] == 0x2B) { eneg = b[i] == 0x2D; i += 1 }
            var e = 0
            guard i < end else { return nil }
            while i < end {
                let c = b[i]
                guard c >= 0x30 && c <= 0x39, e < 10_000 else { return nil }
                e = e * 10 + Int(c - 0x30)
                i += 1
            }
            exp10 += eneg ? -e : e
        }
        guard exp10 >= -44 && exp10 <= 44 else { return nil }  // at most two exact powers: ≤ 1.5 ulp
        var v = Double(mantissa)
        if mantissa == 0 { v = 0 }
        else if exp10 < 0 {
            var e = -exp10
            while e > 22 { v /= powers[22]; e -= 22 }
            v /= powers[e]
        } else if exp10 > 0 {
            var e = exp10
            while e > 22 { v *= powers[22]; e -= 22 }
            v *= powers[e]
        }
        guard v.isFinite, v == 0 || v.magnitude > 1e-290 else { return nil }
        return negative ? -v : v
    }

    /// Both cells' numbers: approximate where they clearly differ, exact
    /// (strtod) where they are within a few ulp, so equal values written
    /// differently compare equal and tiny differences are measured exactly.
    @inline(__always) static func pair(_ a: [UInt8], _ ra: Range<Int>, _ b: [UInt8], _ rb: Range<Int>) -> (Double, Double)? {
        if let x = approximate(a, ra), let y = approximate(b, rb), Swift.abs(x - y) > 1e-14 * max(Swift.abs(x), Swift.abs(y)) {
            return (x, y)
        }
        guard let x = number(a, ra), let y = number(b, rb) else { return nil }
        return (x, y)
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
        /// Cells where one side is NaN, infinite or not a number and the other is not the same: not a small difference.
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
    /// The numeric columns with a differing cell.
    public var changedColumns: [Column] { columns.filter { $0.cellsDiffering > 0 } }

    /// Rows and columns the same, every number within the tolerance (no NaN against a number).
    public var withinTolerance: Bool {
        columnsAdded.isEmpty && columnsRemoved.isEmpty && rowsAdded == 0 && rowsRemoved == 0
            && columns.allSatisfy { $0.outsideTolerance == 0 && $0.nanMismatches == 0 }
    }

    /// Compares two tables. The key columns are the text columns and the
    /// leading coordinate columns (integers, or few distinct values) up to the
    /// first that makes rows unique; the other columns are compared as numbers.
    /// Rows are matched by their key and, among rows with the same key, by their order.
    public static func compare(_ a: CSVText, _ b: CSVText, rtol: Double? = nil, atol: Double = 0) -> TableComparison {
        let common = b.header.filter { a.header.contains($0) }
        let ia = Dictionary(a.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
        let ib = Dictionary(b.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
        let kindsA = a.columnKinds(), kindsB = b.columnKinds()
        func isNumeric(_ col: String) -> Bool {
            let ka = kindsA[ia[col]!], kb = kindsB[ib[col]!]
            return ka.numeric && kb.numeric && (ka.nonEmpty || kb.nonEmpty)
        }
        // The key: every text column, and the leading columns (in the header's
        // order) that identify a row, as long as they look like coordinates
        // (integers, or few distinct values that repeat: ≤ max(16, √rows) and
        // ≤ rows / 2) and the rows are
        // not yet unique by the key so far.
        func hashes(_ t: CSVText, _ cols: [Int], _ r: Int) -> Int {
            var h = Hasher()
            for c in cols {
                let range = t.cell(r, c)
                t.bytes.withUnsafeBytes { h.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[range])) }
                h.combine(0x1F as UInt8)
            }
            return h.finalize()
        }
        func unique(_ cols: [String]) -> Bool {
            guard !cols.isEmpty else { return false }
            for (t, idx) in [(a, ia), (b, ib)] {
                let cs = cols.map { idx[$0]! }
                var seen = Set<Int>()
                for r in 0..<t.rowCount where !seen.insert(hashes(t, cs, r)).inserted { return false }
            }
            return true
        }
        func coordinate(_ col: String) -> Bool {
            let ca = ia[col]!, cb = ib[col]!
            if (0..<a.rowCount).allSatisfy({ Cells.integral(a.bytes, a.cell($0, ca)) }),
               (0..<b.rowCount).allSatisfy({ Cells.integral(b.bytes, b.cell($0, cb)) }) { return true }
            let rows = max(a.rowCount, b.rowCount)
            let limit = min(max(16, Int(Double(rows).squareRoot())), rows / 2)  // values that repeat
            var seen = Set<Int>()
            for (t, c) in [(a, ca), (b, cb)] {
                for r in 0..<t.rowCount {
                    seen.insert(hashes(t, [c], r))
                    if seen.count > limit { return false }
                }
            }
            return true
        }
        let textColumns = common.filter { !isNumeric($0) }
        var prefix: [String] = []
        for col in common {
            if textColumns.contains(col) { prefix.append(col); continue }
            if unique(prefix) || !coordinate(col) { break }
            prefix.append(col)
        }
        let keys = common.filter { prefix.contains($0) || textColumns.contains($0) }
        let numeric = common.filter { !keys.contains($0) }
        let keyA = keys.map { ia[$0]! }, keyB = keys.map { ib[$0]! }
        // Rows matched in order when every key cell agrees (the usual case), else by key.
        var matched: [(Int, Int)] = []
        let sameOrder = a.rowCount == b.rowCount && (0..<a.rowCount).allSatisfy { r in
            zip(keyA, keyB).allSatisfy { Cells.equal(a.bytes, a.cell(r, $0), b.bytes, b.cell(r, $1)) }
        }
        var added = 0
        if sameOrder {
            matched = (0..<a.rowCount).map { ($0, $0) }
        } else {
            func rowKeys(_ t: CSVText, _ cols: [Int]) -> [String] {
                var seen: [String: Int] = [:]
                return (0..<t.rowCount).map { r in
                    let k = cols.map { t.string(t.cell(r, $0)) }.joined(separator: "\u{1F}")
                    let n = seen[k, default: 0]
                    seen[k] = n + 1
                    return k + "\u{1E}\(n)"
                }
            }
            let ka = rowKeys(a, keyA), kb = rowKeys(b, keyB)
            let rowA = Dictionary(ka.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
            for (j, k) in kb.enumerated() { if let i = rowA[k] { matched.append((i, j)) } else { added += 1 } }
        }
        var columns: [Column] = []
        for col in numeric {
            let ca = ia[col]!, cb = ib[col]!
            var c = Column(name: col, maxAbs: 0, maxRel: 0, cellsDiffering: 0, nanMismatches: 0, outsideTolerance: 0)
            for (i, j) in matched {
                let ra = a.cell(i, ca), rb = b.cell(j, cb)
                if Cells.equal(a.bytes, ra, b.bytes, rb) { continue }
                guard let (x, y) = Cells.pair(a.bytes, ra, b.bytes, rb) else { c.cellsDiffering += 1; c.nanMismatches += 1; continue }
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
                               rowsAdded: added, rowsRemoved: a.rowCount - matched.count, rowsMatched: matched.count,
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

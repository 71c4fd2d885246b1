import Foundation
import StageAPI

/// What one stage may allocate, checked at validation from its params, so a
/// slip such as `points: 1e9` is refused with an estimate before anything runs
/// (and before `repro status` itself would build a billion-point grid). The
/// estimates count what the kind keeps: arrays of doubles, and the rows of the
/// tables it writes. Default 2 GB; param `max_memory_gb` raises it.
package struct MemoryBudget: Sendable {
    package static let defaultGB = 2.0
    /// Bytes a table cell costs before it is written: the cell and its text.
    package static let bytesPerCell = 32.0
    package let bytes: Double

    package init(_ p: Params) throws {
        let gb = try p.double("max_memory_gb", default: Self.defaultGB)
        try p.check("max_memory_gb", gb, "must be > 0 (the gigabytes one stage may allocate)") { $0 > 0 && $0.isFinite }
        bytes = gb * 1e9
    }

    package init(bytes: Double) { self.bytes = bytes }

    /// Throws (naming `key`) unless `count` items of `bytesEach` fit.
    package func check(_ count: Double, _ what: String, bytesEach: Double, key: String) throws {
        let total = count * bytesEach
        guard total > bytes else { return }
        throw ParamError(key: key, "would allocate \(Self.size(total)) for \(Self.number(count)) \(what) × \(Self.number(bytesEach)) bytes;"
                         + " at most \(Self.size(bytes)) per stage (raise max_memory_gb to allow more)")
    }

    /// Throws unless `rows` table rows of `columns` cells fit.
    package func checkRows(_ rows: Double, columns: Int, key: String) throws {
        try check(rows, "rows of \(columns) columns", bytesEach: Double(columns) * Self.bytesPerCell, key: key)
    }

    /// "8.0 TB", "512.0 MB": decimal units, one decimal.
    package static func size(_ bytes: Double) -> String {
        guard bytes.isFinite else { return "more than any machine has" }
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var v = bytes, u = 0
        while v >= 1000, u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(Int(v)) bytes" : String(format: "%.1f %@", v, units[u])
    }

    /// 1000 → "1000", 1e12 → "1e12", 2.5e9 → "2.5e9".
    package static func number(_ x: Double) -> String {
        // A param such as mu_start: 1e308 makes a count of inf: no conversion to Int may trap on it.
        guard x.isFinite else { return x.isNaN ? "an undefined number of" : "more than 1e308" }
        if x < 1e6, x == x.rounded() { return String(Int(x)) }
        let e = floor(log10(x)), m = x / pow(10, e)
        let mantissa = abs(m - m.rounded()) < 1e-9 ? String(Int(m.rounded())) : String(format: "%.2g", m)
        return "\(mantissa)e\(Int(e))"
    }
}

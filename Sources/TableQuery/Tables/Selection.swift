import StageAPI
import StageSupport

/// A value a selection compares a cell with: a number (compared with numeric
/// columns, integers widened) or a text (compared with text columns).
public enum Scalar: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case text(String)

    public var description: String {
        switch self {
        case .number(let x): x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : x.description
        case .text(let s): s
        }
    }
}

/// One condition of a selection: a column and a test on its cells.
public struct Condition: Sendable, Equatable, CustomStringConvertible {
    public enum Test: Sendable, Equatable {
        case equals(Scalar)
        case oneOf([Scalar])
        /// Lower and upper bounds, each inclusive or not; nil for none.
        case range(lower: Double?, lowerInclusive: Bool, upper: Double?, upperInclusive: Bool)
    }

    public let column: String
    public let test: Test
    public init(_ column: String, _ test: Test) {
        self.column = column
        self.test = test
    }

    public var description: String {
        switch test {
        case .equals(let v): return "\(column) = \(v)"
        case .oneOf(let vs): return "\(column) in {\(vs.map(\.description).joined(separator: ", "))}"
        case .range(let lo, let loIn, let hi, let hiIn):
            var parts: [String] = []
            if let lo { parts.append("\(column) \(loIn ? "≥" : ">") \(Scalar.number(lo))") }
            if let hi { parts.append("\(column) \(hiIn ? "≤" : "<") \(Scalar.number(hi))") }
            return parts.joined(separator: ", ")
        }
    }
}

extension Condition.Test {
    /// Whether row `i` of column `v` passes. An empty cell passes no test; a
    /// number compared with a text column (or the reverse) is an error, not a
    /// silent "no".
    package func holds(on v: Table.Values, row i: Int, column: String, table: Table) throws -> Bool {
        func number(_ s: Scalar) throws -> Double {
            guard case .number(let x) = s else { throw TableError(file: table.name, column: column, "holds numbers; '\(s)' is text") }
            return x
        }
        func text(_ s: Scalar) throws -> String {
            guard case .text(let t) = s else { throw TableError(file: table.name, column: column, "holds text; \(s) is a number") }
            return t
        }
        let cell: Double?
        switch v {
        case .double(let xs): cell = xs[i]
        case .int(let xs): cell = xs[i].map(Double.init)
        case .text(let xs):
            switch self {
            case .equals(let s): return xs[i] == (try text(s))
            case .oneOf(let ss): return try ss.map(text).contains(xs[i])
            case .range: throw TableError(file: table.name, column: column, "holds text; a range needs numbers")
            }
        }
        guard let x = cell else { return false }
        switch self {
        case .equals(let s): return x == (try number(s))
        case .oneOf(let ss): return try ss.map(number).contains(x)
        case .range(let lo, let loIn, let hi, let hiIn):
            if let lo, loIn ? !(x >= lo) : !(x > lo) { return false }
            if let hi, hiIn ? !(x <= hi) : !(x < hi) { return false }
            return true
        }
    }
}

/// How a claim turns the selected rows into one number.
public enum Reduction: Sendable, Equatable, CustomStringConvertible {
    case max(String)
    case min(String)
    case mean(String)
    /// The number of selected rows.
    case count
    /// The one selected row's value (more than one row is an error).
    case value(String)
    /// The value in the row where another column is largest (or smallest).
    case atLargest(of: String, value: String)
    case atSmallest(of: String, value: String)

    public var description: String {
        switch self {
        case .max(let c): "max \(c)"
        case .min(let c): "min \(c)"
        case .mean(let c): "mean \(c)"
        case .count: "count of rows"
        case .value(let c): c
        case .atLargest(let of, let c): "\(c) at the largest \(of)"
        case .atSmallest(let of, let c): "\(c) at the smallest \(of)"
        }
    }

    /// Whether the reduction treats each selected row as one proportion
    /// checked together (min, max): a binomial bound is then shared among them.
    package var readsEveryRow: Bool {
        switch self { case .max, .min: true; default: false }
    }

    /// The number; throws on an empty selection, a missing column, an empty
    /// or non-finite cell among those it reads, or an ambiguous row.
    public func evaluate(_ t: Table) throws -> Double {
        guard !t.isEmpty else { throw TableError(file: t.name, "the selection matches no row") }
        func numbers(_ c: String) throws -> [Double] {
            let xs = try t.doubles(Column(c))
            if let i = xs.firstIndex(where: { !$0.isFinite }) {
                throw TableError(file: t.name, line: t.lines[i], column: c, "holds \(xs[i]), not a finite number")
            }
            return xs
        }
        switch self {
        case .max(let c): return try numbers(c).max()!
        case .min(let c): return try numbers(c).min()!
        case .mean(let c):
            let xs = try numbers(c)
            return xs.reduce(0, +) / Double(xs.count)
        case .count: return Double(t.count)
        case .value(let c):
            guard t.count == 1 else {
                throw TableError(file: t.name, "the selection matches \(t.count) rows (lines \(t.lines.prefix(5).map(String.init).joined(separator: ", "))\(t.count > 5 ? ", …" : "")) where one value is needed")
            }
            return try numbers(c)[0]
        case .atLargest(let of, let c), .atSmallest(let of, let c):
            let keys = try numbers(of), xs = try numbers(c)
            let best: Double
            if case .atLargest = self { best = keys.max()! } else { best = keys.min()! }
            let rows = keys.indices.filter { keys[$0] == best }
            guard rows.count == 1 else {
                throw TableError(file: t.name, "\(rows.count) selected rows share \(of) = \(Scalar.number(best)) (lines \(rows.prefix(5).map { String(t.lines[$0]) }.joined(separator: ", "))): which one's \(c) is meant is ambiguous")
            }
            return xs[rows[0]]
        }
    }
}

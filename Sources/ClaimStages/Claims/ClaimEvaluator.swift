import Foundation
import StageAPI
import StageSupport
import TableQuery

/// Measures claims on the files they read. A claim fails — never holds by
/// default — when its table or metric is missing, its selection matches no
/// row, a column it reads does not exist, or a value it reads is not finite.
struct ClaimEvaluator {
    /// Where a project path is on disk.
    let locate: (String) throws -> URL
    private var tables: [String: Result<Table, Error>] = [:]
    private var metrics: [String: Result<Metrics, Error>] = [:]

    init(locate: @escaping (String) throws -> URL) { self.locate = locate }

    mutating func evaluate(_ claims: [Claim]) -> [ClaimResult] {
        claims.map { c in
            ClaimResult(claim: c, outcome: Result { try measure(c) }.mapError { ClaimFailure(reason: "\($0)") })
        }
    }

    mutating func table(_ file: String) throws -> Table {
        if tables[file] == nil { tables[file] = Result { try Table.read(try locate(file), name: file) } }
        return try tables[file]!.get()
    }

    mutating func measure(_ c: Claim) throws -> (value: Double, bound: ResolvedBound) {
        switch c.source {
        case .metric(let file, let name):
            if metrics[file] == nil { metrics[file] = Result { try Metrics.read(try locate(file)) } }
            let m = try metrics[file]!.get()
            guard let v = m[name] else {
                throw ClaimFailure(reason: "metric '\(name)' is missing from \(file)" + (m.reason(name).map { ": \($0)" } ?? ""))
            }
            guard v.isFinite else { throw ClaimFailure(reason: "metric '\(name)' of \(file) is \(v), not a finite number") }
            return (v, try resolve(c.bound, rows: nil, reduction: nil))
        case .table(let files, let conditions, let reduction):
            let parts = try files.map { try table($0) }
            let all = try Self.concatenated(parts)
            let selected = try all.selecting(conditions)
            guard !selected.isEmpty else {
                throw ClaimFailure(reason: "selects no row of \(files.joined(separator: " + "))"
                                   + (conditions.isEmpty ? " (the table is empty)" : ": \(conditions.map(\.description).joined(separator: ", "))"))
            }
            let v = try reduction.evaluate(selected)
            return (v, try resolve(c.bound, rows: selected, reduction: reduction))
        }
    }

    /// The bound's numbers; a binomial bound's n is the selected rows' `n` (one value for all of them).
    func resolve(_ b: Claim.Bound, rows: Table?, reduction: Reduction?) throws -> ResolvedBound {
        switch b {
        case .lt(let x): return ResolvedBound(op: "lt", values: [x])
        case .le(let x): return ResolvedBound(op: "le", values: [x])
        case .gt(let x): return ResolvedBound(op: "gt", values: [x])
        case .ge(let x): return ResolvedBound(op: "ge", values: [x])
        case .between(let lo, let hi): return ResolvedBound(op: "between", values: [lo, hi])
        case .binomial(let p, let level):
            guard let rows, let reduction else { throw ClaimFailure(reason: "a binomial bound needs selected rows") }
            let ns = Set(try rows.ints(Column("n", .int)))
            guard ns.count == 1, let n = ns.first, n >= 1 else {
                throw ClaimFailure(reason: "the selected rows of \(rows.name) have trial counts n = \(ns.sorted()), not one positive n")
            }
            let tests = reduction.readsEveryRow ? rows.count : 1
            let interval = BinomialInterval(p: p, n: n, level: level, tests: tests)
            let pct = (level * 100).rounded() == level * 100 ? "\(Int(level * 100))" : "\(level * 100)"
            return ResolvedBound(op: "between", values: [interval.bounds.lo, interval.bounds.hi],
                                 interval: "the \(pct)% interval of \(p) at n = \(n)" + (tests > 1 ? ", \(tests) proportions jointly" : ""))
        }
    }

    /// The rows of several tables with the same columns, one after another.
    static func concatenated(_ parts: [Table]) throws -> Table {
        guard let first = parts.first else { throw ClaimFailure(reason: "no table") }
        return try parts.dropFirst().reduce(first) { try $0.appending($1) }
    }
}

import StageAPI
import StageSupport
import TableQuery

/// Reads the `claims:` list of a claims stage (see `ClaimsKind` for the vocabulary).
enum ClaimParser {
    static let reductions = ["max", "min", "mean", "count", "value"]
    static let bounds = ["lt", "le", "gt", "ge", "between", "binomial"]

    static func claims(_ p: Params, outputs: StageOutputs) throws -> [Claim] {
        guard case .array(let items)? = p.raw("claims"), !items.isEmpty else {
            throw ParamError(key: "claims", "must be a non-empty list of claims")
        }
        var ids = Set<String>()
        return try items.enumerated().map { i, item in
            guard case .object(let o) = item else { throw ParamError(key: "claims[\(i)]", "must be a mapping") }
            let c = Params(o, path: "claims[\(i)]")
            let id = try c.string("id")
            guard ids.insert(id).inserted else { throw ParamError(key: c.fullKey("id"), "'\(id)' is used twice") }
            let claim = Claim(id: id, figure: try c.string("figure"), claim: try c.string("claim"), source: try source(c, outputs), bound: try bound(c))
            if case .metric = claim.source, case .binomial = claim.bound {
                throw ParamError(key: c.fullKey("binomial"), "needs a table claim: n is read from the selected rows' n column")
            }
            if let k = c.unreadKeys.first {
                throw ParamError(key: k, "is not a claim field (id, figure, claim; table with where and one of \(reductions.joined(separator: ", ")), or metric; one of \(bounds.joined(separator: ", ")))")
            }
            return claim
        }
    }

    /// `table:` names a CSV, or the stage that writes it (one or a list); `metric:` FIGURE#NAME names a
    /// figure stage (its metrics JSON) or the JSON's path, and a metric of it.
    static func source(_ c: Params, _ outputs: StageOutputs) throws -> Claim.Source {
        switch (c.has("table"), c.has("metric")) {
        case (true, false):
            let refs: [String]
            if case .array = c.raw("table") { refs = try c.strings("table") } else { refs = [try c.string("table")] }
            guard !refs.isEmpty else { throw ParamError(key: c.fullKey("table"), "names no file") }
            let files = try refs.map { try outputs.file($0, endingIn: ".csv", key: c.fullKey("table")) }
            return .table(files: files, where: try conditions(c), reduction: try reduction(c))
        case (false, true):
            let metric = try c.string("metric")
            let parts = metric.split(separator: "#", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ParamError(key: c.fullKey("metric"), "must be FIGURE#NAME (a figure stage, or its metrics JSON, and a metric of it), got '\(metric)'")
            }
            return .metric(file: try outputs.file(parts[0], endingIn: ".json", key: c.fullKey("metric")), name: parts[1])
        default:
            throw ParamError(key: c.path.isEmpty ? "claims" : c.path, "needs exactly one of table (rows of a CSV) or metric (FILE#NAME of a figure's analysis)")
        }
    }

    /// `where: {column: value | [values] | {ge, gt, le, lt}}`, in the order written.
    static func conditions(_ c: Params) throws -> [Condition] {
        guard c.has("where") else { return [] }
        guard case .object(let o)? = c.raw("where") else { throw ParamError(key: c.fullKey("where"), "must be a mapping of column to value, list or range") }
        return try o.entries.map { column, v in
            let key = c.fullKey("where.\(column)")
            switch v {
            case .array(let vs):
                guard !vs.isEmpty else { throw ParamError(key: key, "an empty list selects nothing") }
                return Condition(column, .oneOf(try vs.map { try scalar($0, key) }))
            case .object(let r):
                let range = Params(r, path: key)
                func bound(_ k: String) throws -> Double? { range.has(k) ? try range.double(k) : nil }
                let ge = try bound("ge"), gt = try bound("gt"), le = try bound("le"), lt = try bound("lt")
                if let k = range.unreadKeys.first { throw ParamError(key: k, "is not a range bound (ge, gt, le, lt)") }
                guard ge == nil || gt == nil, le == nil || lt == nil, ge != nil || gt != nil || le != nil || lt != nil else {
                    throw ParamError(key: key, "a range takes at most one lower bound (ge or gt) and one upper (le or lt), and at least one")
                }
                return Condition(column, .range(lower: ge ?? gt, lowerInclusive: ge != nil, upper: le ?? lt, upperInclusive: le != nil))
            default:
                return Condition(column, .equals(try scalar(v, key)))
            }
        }
    }

    static func scalar(_ v: Value, _ key: String) throws -> Scalar {
        switch v {
        case .int(let i): return .number(Double(i))
        case .double(let x) where x.isFinite: return .number(x)
        case .string(let s): return .text(s)
        default: throw ParamError(key: key, "must be a number or a text, got \(v.typeName)")
        }
    }

    /// One of `max: COL`, `min: COL`, `mean: COL`, `count: rows`, or `value: COL` (with `at_largest: COL` or `at_smallest: COL`).
    static func reduction(_ c: Params) throws -> Reduction {
        let given = reductions.filter { c.has($0) }
        guard given.count == 1 else {
            throw ParamError(key: c.path.isEmpty ? "claims" : c.path, "a table claim needs exactly one reduction: \(reductions.joined(separator: ", "))")
        }
        let at = ["at_largest", "at_smallest"].filter { c.has($0) }
        if !at.isEmpty, given[0] != "value" || at.count > 1 {
            throw ParamError(key: c.fullKey(at[0]), "goes with value (the value at the row where another column is largest or smallest), once")
        }
        switch given[0] {
        case "max": return .max(try c.string("max"))
        case "min": return .min(try c.string("min"))
        case "mean": return .mean(try c.string("mean"))
        case "count":
            guard try c.string("count") == "rows" else { throw ParamError(key: c.fullKey("count"), "must be 'rows' (the number of selected rows)") }
            return .count
        default:
            let v = try c.string("value")
            if c.has("at_largest") { return .atLargest(of: try c.string("at_largest"), value: v) }
            if c.has("at_smallest") { return .atSmallest(of: try c.string("at_smallest"), value: v) }
            return .value(v)
        }
    }

    static func bound(_ c: Params) throws -> Claim.Bound {
        let given = bounds.filter { c.has($0) }
        guard given.count == 1 else { throw ParamError(key: c.path.isEmpty ? "claims" : c.path, "needs exactly one bound: \(bounds.joined(separator: ", "))") }
        switch given[0] {
        case "lt": return .lt(try c.double("lt"))
        case "le": return .le(try c.double("le"))
        case "gt": return .gt(try c.double("gt"))
        case "ge": return .ge(try c.double("ge"))
        case "between":
            let b = try c.doubles("between")
            guard b.count == 2, b[0] <= b[1] else { throw ParamError(key: c.fullKey("between"), "must be [low, high] with low ≤ high") }
            return .between(b[0], b[1])
        default:
            let b = try c.object("binomial")
            let p = try b.double("p"), level = try b.double("level", default: 0.95)
            try b.check("p", p, "must be in (0, 1) (the true probability)") { $0 > 0 && $0 < 1 }
            try b.check("level", level, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
            if let k = b.unreadKeys.first {
                throw ParamError(key: k, "is not a binomial field (p, level; n is read from the rows, and the rows checked together are those selected)")
            }
            return .binomial(p: p, level: level)
        }
    }
}

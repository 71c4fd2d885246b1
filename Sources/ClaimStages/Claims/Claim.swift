import StageAPI
import StageSupport
import TableQuery

/// One claim of the paper, as data: what number it is about (a reduction of
/// selected rows of a table, or a metric a figure's analysis computed) and
/// the bound that number must meet. See `ClaimsKind` for the vocabulary.
struct Claim: Sendable {
    enum Source: Sendable {
        /// A table (one or more files with the same columns, rows in order), the rows selected, reduced to one number.
        case table(files: [String], where: [Condition], reduction: Reduction)
        /// A metric of a figure's metrics JSON (computed by its analysis).
        case metric(file: String, name: String)
    }

    enum Bound: Sendable {
        case lt(Double), le(Double), gt(Double), ge(Double), between(Double, Double)
        /// Within the central `level` interval of Binomial(n, p)/n, with n read from the selected
        /// rows' `n` column; shared by the selected rows when the reduction reads every row (min, max).
        case binomial(p: Double, level: Double)
    }

    var id: String, figure: String, claim: String
    var source: Source
    var bound: Bound

    /// The files the claim reads.
    var files: [String] {
        switch source {
        case .table(let files, _, _): files
        case .metric(let file, _): [file]
        }
    }

    /// What the number is, in words: the metric's name, or the reduction and selection.
    var what: String {
        switch source {
        case .metric(_, let name): return name
        case .table(_, let conditions, let reduction):
            return conditions.isEmpty ? reduction.description : "\(reduction) where \(conditions.map(\.description).joined(separator: ", "))"
        }
    }

    /// Where the number comes from: `FILE#NAME`, or the tables and the number in words.
    var sourceText: String {
        switch source {
        case .metric(let file, let name): "\(file)#\(name)"
        case .table(let files, _, _): "\(files.joined(separator: " + ")): \(what)"
        }
    }
}

/// A bound resolved against the data (a binomial bound becomes its interval).
struct ResolvedBound: Sendable, Equatable {
    var op: String, values: [Double]
    /// For a binomial bound: what the interval is.
    var interval: String?

    func holds(_ v: Double) -> Bool {
        switch op {
        case "lt": v < values[0]
        case "le": v <= values[0]
        case "gt": v > values[0]
        case "ge": v >= values[0]
        default: v >= values[0] && v <= values[1]
        }
    }

    var text: String {
        switch op {
        case "lt": "< \(values[0])"
        case "le": "≤ \(values[0])"
        case "gt": "> \(values[0])"
        case "ge": "≥ \(values[0])"
        default: "in [\(values[0]), \(values[1])]" + (interval.map { " (\($0))" } ?? "")
        }
    }
}

/// A claim measured on the data: its value and resolved bound, or why it could not be measured.
struct ClaimResult: Sendable {
    var claim: Claim
    var outcome: Result<(value: Double, bound: ResolvedBound), ClaimFailure>

    var holds: Bool {
        if case .success(let r) = outcome { r.bound.holds(r.value) } else { false }
    }

    /// Why the claim fails, or nil when it holds.
    var failure: String? {
        switch outcome {
        case .failure(let f): "claim \(claim.id): \(f.reason)"
        case .success(let r) where !r.bound.holds(r.value):
            "claim \(claim.id) does not hold: \(claim.what) = \(r.value), required \(r.bound.text) (\(claim.claim))"
        case .success: nil
        }
    }
}

struct ClaimFailure: Error, Sendable, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

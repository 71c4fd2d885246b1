import Engine
import Foundation

/// `kind: claims` — the paper's claims as numbers. Each claim compares one
/// metric (a number a figure stage wrote to its metrics JSON) with a bound;
/// the stage writes every claim with its measured value to a JSON file and
/// fails, naming each failing claim and its value, if any does not hold.
/// `repro verify` re-evaluates the claims on the committed files.
///
///     params:
///       claims:
///         - id: fig2-agreement
///           figure: fig2
///           claim: "Particles agree with the ODE: max |α_sim − α_ODE| ≤ 0.02"
///           metric: artifacts/fig2/metrics.json#max_abs_dalpha
///           le: 0.02            # one of lt, le, gt, ge, between: [lo, hi], binomial
///         - id: fig7-baseline-half
///           metric: artifacts/fig7/metrics.json#baseline_p_collapse
///           binomial: {p: 0.5, n: 1000, level: 0.95, tests: 1}
///           # a proportion of n independent trials within the central
///           # `level` interval of Binomial(n, p)/n, shared Bonferroni-wise by
///           # `tests` proportions checked together (level default 0.95,
///           # tests default 1): see BinomialInterval
///     deps: [artifacts/fig2/metrics.json]
///     outs: [artifacts/claims.json, artifacts/claims.tex]   # the .tex is optional: ClaimsTeX.swift
public struct ClaimsKind: StageKind {
    public init() {}
    public let name = "claims"
    /// One thread: charged one CPU of `-j`.
    public var defaultCPUs: Int? { 1 }
    public let summary = "check the paper's claims: metrics of figure stages against stated bounds"
    public let codePaths = ["Sources/Stages/ClaimsStage.swift", "Sources/Stages/Metrics.swift", "Sources/Engine/Value.swift", "Sources/Engine/JSONReader.swift",
                            "Sources/Stages/ClaimsTeX.swift", "Sources/Stages/BinomialInterval.swift", "Sources/GSL/SpecialFunctions.swift"]
    /// The figure stages' keys are printed in claims.tex (provenance).
    public var recordsProvenance: Bool { true }

    public struct Config: Sendable { var claims: [Claim] }

    struct Claim: Sendable {
        var id: String, figure: String, claim: String
        var file: String, key: String
        var op: String, bound: [Double]
        /// For a `binomial` claim (op `between`, bound its interval): what the interval is.
        var interval: String? = nil

        func holds(_ v: Double) -> Bool {
            switch op {
            case "lt": v < bound[0]
            case "le": v <= bound[0]
            case "gt": v > bound[0]
            case "ge": v >= bound[0]
            default: v >= bound[0] && v <= bound[1]
            }
        }

        var boundText: String {
            switch op {
            case "lt": "< \(bound[0])"
            case "le": "≤ \(bound[0])"
            case "gt": "> \(bound[0])"
            case "ge": "≥ \(bound[0])"
            default: "in [\(bound[0]), \(bound[1])]" + (interval.map { " (\($0))" } ?? "")
            }
        }
    }

    func claims(_ p: Params, deps: [String]) throws -> [Claim] {
        guard case .array(let items)? = p.raw("claims"), !items.isEmpty else {
            throw ParamError(key: "claims", "must be a non-empty list of claims")
        }
        var out: [Claim] = []
        var ids = Set<String>()
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw ParamError(key: "claims[\(i)]", "must be a mapping") }
            let c = Params(o, path: "claims[\(i)]")
            let id = try c.string("id")
            guard ids.insert(id).inserted else { throw ParamError(key: "claims[\(i)].id", "'\(id)' is used twice") }
            let metric = try c.string("metric")
            let parts = metric.split(separator: "#", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw ParamError(key: "claims[\(i)].metric", "must be FILE#NAME, got '\(metric)'")
            }
            guard deps.contains(parts[0]) else {
                throw ParamError(key: "claims[\(i)].metric", "reads '\(parts[0])', which is not among the stage's deps")
            }
            let ops = ["lt", "le", "gt", "ge", "between", "binomial"].filter { c.has($0) }
            guard ops.count == 1 else { throw ParamError(key: "claims[\(i)]", "needs exactly one of lt, le, gt, ge, between, binomial") }
            var claim = Claim(id: id, figure: try c.string("figure"), claim: try c.string("claim"), file: parts[0], key: parts[1],
                              op: ops[0], bound: [])
            if ops[0] == "binomial" {
                let (b, text) = try binomial(try c.object("binomial"))
                claim.op = "between"
                claim.bound = [b.lo, b.hi]
                claim.interval = text
            } else {
                claim.bound = try c.doubles(ops[0])
                guard claim.bound.count == (ops[0] == "between" ? 2 : 1) else { throw ParamError(key: "claims[\(i)].\(ops[0])", "wrong number of bounds") }
            }
            out.append(claim)
            let unread = c.unreadKeys
            if let k = unread.first { throw ParamError(key: k, "is not a claim field (id, figure, claim, metric, lt/le/gt/ge/between/binomial)") }
        }
        return out
    }

    /// A `binomial: {p, n, level, tests}` bound: its interval and a description.
    func binomial(_ b: Params) throws -> ((lo: Double, hi: Double), String) {
        let p = try b.double("p"), n = try b.int("n")
        try b.check("p", p, "must be in (0, 1) (the true probability)") { $0 > 0 && $0 < 1 }
        try b.check("n", n, "must be in 1...1000000000 (the number of independent trials)") { $0 >= 1 && $0 <= 1_000_000_000 }
        let level = try b.double("level", default: 0.95), tests = try b.int("tests", default: 1)
        try b.check("level", level, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
        try b.check("tests", tests, "must be ≥ 1 (proportions checked together)") { $0 >= 1 }
        if let k = b.unreadKeys.first { throw ParamError(key: k, "is not a binomial field (p, n, level, tests)") }
        let interval = BinomialInterval(p: p, n: n, level: level, tests: tests)
        let pct = (level * 100).rounded() == level * 100 ? "\(Int(level * 100))" : "\(level * 100)"
        return (interval.bounds, "the \(pct)% interval of \(p) at n = \(n)" + (tests > 1 ? ", \(tests) proportions jointly" : ""))
    }

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        let c = Config(claims: try claims(params, deps: stage.deps))
        guard stage.outs.count == 1 || (stage.outs.count == 2 && stage.outs[1].hasSuffix(".tex")) else {
            throw ParamError(key: "claims", "the stage's outputs are the results JSON and, optionally, a .tex of LaTeX macros")
        }
        return c
    }

    /// Each claim with its measured value (nil if the metric is missing).
    func evaluate(_ claims: [Claim], read: (String) throws -> URL) throws -> [(Claim, Double?)] {
        var cache: [String: Metrics] = [:]
        return try claims.map { c in
            if cache[c.file] == nil { cache[c.file] = try Metrics.read(try read(c.file)) }
            return (c, cache[c.file]![c.key])
        }
    }

    static func failures(_ results: [(Claim, Double?)]) -> [String] {
        results.compactMap { c, v in
            guard let v else { return "claim \(c.id): metric '\(c.key)' is missing from \(c.file)" }
            return c.holds(v) ? nil : "claim \(c.id) does not hold: \(c.key) = \(v), required \(c.boundText) (\(c.claim))"
        }
    }

    public func run(_ cfg: Config, in ctx: StageContext) throws {
        let results = try evaluate(cfg.claims) { try ctx.input($0) }
        let failures = Self.failures(results)
        guard failures.isEmpty else { throw StageFailure(failures.joined(separator: "\n")) }
        var text = "{\n  \"claims\": [\n"
        text += results.map { c, v in
            var o = Value.Object()
            o["id"] = .string(c.id)
            o["figure"] = .string(c.figure)
            o["claim"] = .string(c.claim)
            o["metric"] = .string(c.file + "#" + c.key)
            o["value"] = .double(v!)
            o["bound"] = .string(c.boundText)
            o["holds"] = .bool(true)
            return "    " + Value.object(o).canonicalJSON
        }.joined(separator: ",\n")
        text += "\n  ]\n}\n"
        try Data(text.utf8).write(to: try ctx.output(ctx.info.outs[0]))
        if ctx.info.outs.count == 2 {
            let tex = ClaimsTeX.document(results.map { ($0, $1!) }, figures: try ClaimsTeX.figures(deps: ctx.info.deps, upstream: ctx.upstream) { try ctx.input($0) })
            try Data(tex.utf8).write(to: try ctx.output(ctx.info.outs[1]))
        }
        for (c, v) in results { ctx.log("\(c.id): \(c.key) = \(v!) \(c.boundText) ✓") }
    }

    public func verify(root: URL, stage: StageInfo, params: Params) throws -> [String] {
        Self.failures(try evaluate(claims(params, deps: stage.deps)) { root.appendingPathComponent($0) })
    }
}

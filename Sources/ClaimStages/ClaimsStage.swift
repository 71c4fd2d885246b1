import Foundation
import StageAPI
import StageSupport
import TableQuery

/// `kind: claims` — the paper's claims as data. A claim names the number it
/// is about and a bound; the stage measures every claim on its inputs, writes
/// each with its value to a JSON file (and, optionally, LaTeX macros), and
/// fails naming each claim that does not hold or cannot be measured. `repro
/// verify` re-evaluates the claims on the committed files.
///
///     params:
///       claims:
///         # A table claim: rows of a CSV, selected and reduced to one number.
///         - id: fig4-fixed-no-collapse-at-mu2
///           figure: fig4
///           claim: "Fixed weights: no collapse at |μ| = 2.0 for any d"
///           table: fig4-collapse-sweep      # the stage writing the CSV (or its path; or a list, same columns)
///           where: {weights: fixed, mu: 2.0, t_end: 400}
///           max: p_collapse
///           le: 0.01
///         # A metric claim: a number a figure's analysis computed (Sources/FigureStages/Analyses).
///         - id: fig5-escape-exp-mu2-fit
///           figure: fig5
///           claim: "..."
///           metric: fig5#escape_fit_r2     # the figure stage (or its metrics JSON's path), a metric of it
///           ge: 0.99
///       figures: [fig1, fig2]             # optional: figure stages whose metrics and provenance claims.tex prints
///     # deps: the figures' metrics and the files the claims read, without being listed
///     outs: [artifacts/claims.json, artifacts/claims.tex]   # the .tex is optional: ClaimsTeX.swift
///
/// Selection (`where:`, every condition must hold; an empty cell passes none):
///   `COLUMN: VALUE` equal (numbers compared as numbers, texts as texts);
///   `COLUMN: [V1, V2]` one of; `COLUMN: {ge: X, lt: Y}` a range (ge or gt, le or lt).
/// Reduction (exactly one): `max: COL`, `min: COL`, `mean: COL`, `count: rows`,
///   `value: COL` (the one selected row; more is an error), `value: COL` with
///   `at_largest: KEY` or `at_smallest: KEY` (the row where KEY is largest / smallest, which must be one row).
/// Bound (exactly one): `lt: X`, `le: X`, `gt: X`, `ge: X`, `between: [LO, HI]`, or
///   `binomial: {p: P, level: 0.95}`: the value is a proportion of n trials, n read from the
///   selected rows' `n` column (one n for all), inside the central `level` interval of
///   Binomial(n, P)/n; with `min` or `max` every selected row is a proportion checked together
///   (Bonferroni over the rows: see BinomialInterval).
/// A claim fails when its file is missing, its selection matches no row, a column it reads
/// does not exist, a value it reads is empty or not finite, or a metric is missing (the figure's
/// metrics JSON then says why its analysis could not compute it): no default stands in for data.
public struct ClaimsKind: StageKind {
    public init() {}
    public let name = "claims"
    /// One thread: charged one CPU of `-j`.
    public var defaultCPUs: Int? { 1 }
    public let summary = "check the paper's claims: selections of tables and figures' metrics against stated bounds"
    /// The figure stages' keys are printed in claims.tex (provenance).
    public var recordsProvenance: Bool { true }

    public var help: String {
        """
        params:
          figures: [fig1, fig2]      optional: figure stages whose metrics and provenance claims.tex prints
          claims:                    a list; each claim is a number, a bound, and what it says:
            - id: NAME               unique
              figure: fig4           the figure it belongs to
              claim: "text"          what it says, in words
              # the number, one of:
              table: STAGE | PATH    a CSV (the stage that writes it, or its path), or a list of them (same columns)
              where: {COL: VALUE, COL: [V1, V2], COL: {ge: X, lt: Y}}
                                     rows to keep: equal (numbers as numbers, texts as texts), one of, a range
                                     (ge or gt, le or lt); an empty cell passes no condition
              max: COL | min: COL | mean: COL | count: rows | value: COL [at_largest: KEY | at_smallest: KEY]
                                     value: the one selected row (more is an error), or the row where KEY is
                                     largest or smallest (which must be one row)
              metric: FIGURE#NAME    or a number a figure's analysis computed (a figure stage, or its metrics
                                     JSON's path, and the metric's name)
              # the bound, one of:
              lt: X | le: X | gt: X | ge: X | between: [LO, HI]
              binomial: {p: P, level: 0.95}
                                     a proportion within the central interval of Binomial(n, P)/n, n read from
                                     the selected rows' n column; with min or max every selected row is a
                                     proportion checked together (Bonferroni over the rows)
        deps: derived: the figures' metrics and every file a claim reads (no need to list them)
        outs: [artifacts/claims.json, artifacts/claims.tex]   (the .tex of LaTeX macros is optional)

        A claim fails when its file is missing, its selection matches no row, a column it reads does not
        exist, a value it reads is empty or not finite, or its metric is missing (the figure's metrics JSON
        then says why the analysis could not compute it). No default stands in for data.
        """
    }

    public struct Config: Sendable { var claims: [Claim] }

    /// `figures:` the figure stages whose metrics and provenance claims.tex prints, in that order.
    func figureFiles(_ params: Params, outputs: StageOutputs) throws -> [String] {
        guard params.has("figures") else { return [] }
        return try params.strings("figures").map { try outputs.file($0, endingIn: ".json", key: "figures") }
    }

    /// The figures' metrics JSONs and the files the claims read are the stage's deps, without being listed again.
    public func derivedDeps(_ params: Params, outputs: StageOutputs) throws -> [String] {
        var files: [String] = []
        let all = try figureFiles(params, outputs: outputs) + ClaimParser.claims(params, outputs: outputs).flatMap(\.files)
        for f in all where !files.contains(f) { files.append(f) }
        return files
    }

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        let claims = try ClaimParser.claims(params, outputs: stage.outputs)
        for f in try figureFiles(params, outputs: stage.outputs) where !stage.deps.contains(f) {
            throw ParamError(key: "figures", "'\(f)' is not among the stage's deps")
        }
        for (i, c) in claims.enumerated() {
            for f in c.files where !stage.deps.contains(f) {
                throw ParamError(key: "claims[\(i)]", "claim \(c.id) reads '\(f)', which is not among the stage's deps: add it to deps")
            }
        }
        guard stage.outs.count == 1 || (stage.outs.count == 2 && stage.outs[1].hasSuffix(".tex")) else {
            throw ParamError(key: "claims", "the stage's outputs are the results JSON and, optionally, a .tex of LaTeX macros")
        }
        return Config(claims: claims)
    }

    /// Every claim measured on the files `locate` finds.
    static func evaluate(_ claims: [Claim], locate: @escaping (String) throws -> URL) -> [ClaimResult] {
        var evaluator = ClaimEvaluator(locate: locate)
        return evaluator.evaluate(claims)
    }

    public func run(_ cfg: Config, in ctx: StageContext) throws {
        let results = Self.evaluate(cfg.claims) { try ctx.input($0) }
        let failures = results.compactMap(\.failure)
        guard failures.isEmpty else { throw StageFailure(failures.joined(separator: "\n")) }
        let measured = results.compactMap { r -> (Claim, Double, ResolvedBound)? in
            if case .success(let m) = r.outcome { (r.claim, m.value, m.bound) } else { nil }
        }
        var text = "{\n  \"claims\": [\n"
        text += measured.map { c, v, b in
            var o = Value.Object()
            o["id"] = .string(c.id)
            o["figure"] = .string(c.figure)
            o["claim"] = .string(c.claim)
            o["metric"] = .string(c.sourceText)
            o["value"] = .double(v)
            o["bound"] = .string(b.text)
            o["holds"] = .bool(true)
            return "    " + Value.object(o).canonicalJSON
        }.joined(separator: ",\n")
        text += "\n  ]\n}\n"
        try Data(text.utf8).write(to: try ctx.output(ctx.info.outs[0]))
        if ctx.info.outs.count == 2 {
            let tex = ClaimsTeX.document(measured, figures: try ClaimsTeX.figures(deps: ctx.info.deps, upstream: ctx.upstream) { try ctx.input($0) })
            try Data(tex.utf8).write(to: try ctx.output(ctx.info.outs[1]))
        }
        for (c, v, b) in measured { ctx.log("\(c.id): \(c.what) = \(v) \(b.text) ✓") }
    }

    public func verify(root: URL, stage: StageInfo, params: Params) throws -> [String] {
        Self.evaluate(try ClaimParser.claims(params, outputs: stage.outputs)) { root.appendingPathComponent($0) }.compactMap(\.failure)
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension ClaimsKind { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }

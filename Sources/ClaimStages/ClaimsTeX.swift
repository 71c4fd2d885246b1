import Foundation
import StageAPI
import StageSupport
import TableQuery

/// `artifacts/claims.tex`: the claims stage's results as LaTeX macros, so a paper cites the measured
/// numbers instead of copying them (`\input{artifacts/claims.tex}`, then `\claimvalue{ID}`).
///
/// Macros (each takes ids/names as written in pipeline.yaml, see *Keys* below):
///
///     \claimvalue{ID}       measured value, by the number rule below (math mode is entered if needed)
///     \claimholds{ID}       `holds` or `fails`
///     \claimbound{ID}       the required bound, e.g. `≤ 0.02`, `∈ [2, 2.5]` (numbers by the same rule)
///     \claimmetric{ID}      the metric's name (`max_abs_dalpha_seed_mean`), typewriter
///     \claimstatement{ID}   the claim's text
///     \claimfigure{ID}      the figure it belongs to (`fig2`)
///     \figmetric{FIG}{NAME} any metric a figure stage wrote (`\figmetric{fig4}{fixed_mu2_max_p_collapse}`)
///     \figclaims{FIG}       `\claimrow{ID}` for each claim of FIG, in pipeline order (define `\claimrow`)
///     \figprovenance{FIG}   `\provenanceitem{STAGE}{KIND}{KEY12}` for each stage behind FIG's data
///                           (define `\provenanceitem`; KEY12 = the first 12 hex digits of the stage key)
///
/// An unknown id or name stops LaTeX with an error naming it, so a typo cannot print nothing.
///
/// Number rule: 4 significant digits of the value's shortest round-trip decimal, rounded half away from
/// zero, trailing zeros dropped; fixed notation for 10⁻³ ≤ |x| < 10⁶ (`0.001802`, `-1`, `112`), else
/// `m\times10^{e}` (`8.588\times10^{-4}`). `TeXNumber.text` is the same number as plain text.
///
/// Keys: an id or metric name is used as written if every character is in `[A-Za-z0-9_.:/-]`; any other
/// character c is written `+HEX+` (its Unicode code point in upper-case hex), e.g. `fig2 μ` → `fig2+20++3BC+`.
/// The rule is injective, so two ids never share a key.
enum ClaimsTeX {
    struct Figure {
        var name: String
        var metrics: [(String, Double)]
        var provenance: [(stage: String, kind: String, key: String)]
    }

    /// The key under which `id` is defined (see *Keys*).
    static func key(_ id: String) -> String {
        var out = ""
        for u in id.unicodeScalars {
            let ok = (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || "_.:/-".unicodeScalars.contains(u)
            out += ok ? String(u) : "+" + String(u.value, radix: 16, uppercase: true) + "+"
        }
        return out
    }

    /// The figures (name, metrics, provenance) of the metrics JSON files among `deps`, in deps order. A
    /// figure's provenance is the stage that wrote its metrics (from `upstream`), then the stages behind its data.
    static func figures(deps: [String], upstream: [UpstreamStage], read: (String) throws -> URL) throws -> [Figure] {
        var out: [Figure] = []
        for d in deps where d.hasSuffix(".json") {
            let text = try String(contentsOf: try read(d), encoding: .utf8)
            guard case .object(let o) = try JSONReader.parse(text), case .string(let name)? = o["figure"],
                  case .object(let m)? = o["metrics"] else { continue }
            var f = Figure(name: name, metrics: [], provenance: [])
            if let u = upstream.first(where: { $0.outs.contains(d) }) { f.provenance.append((u.name, u.kind, String(u.key.prefix(12)))) }
            for (k, v) in m.entries { if let x = v.asDouble { f.metrics.append((k, x)) } }
            if case .array(let prov)? = o["provenance"] {
                for case .object(let p) in prov {
                    let s = { (k: String) -> String in if case .string(let x)? = p[k] { x } else { "" } }
                    f.provenance.append((s("stage"), s("kind"), String(s("key").prefix(12))))
                }
            }
            out.append(f)
        }
        return out
    }

    static func document(_ results: [(Claim, Double, ResolvedBound)], figures: [Figure]) -> String {
        var t = """
            % artifacts/claims.tex: written by repro's `claims` stage from artifacts/claims.json and the figures'
            % metrics. Do not edit; \\input it. Macros, number rule and key rule: Sources/ClaimStages/ClaimsTeX.swift.
            %   \\claimvalue{ID} \\claimholds{ID} \\claimbound{ID} \\claimmetric{ID} \\claimstatement{ID} \\claimfigure{ID}
            %   \\figmetric{FIG}{NAME} \\figclaims{FIG} \\figprovenance{FIG}
            \\expandafter\\edef\\csname repro@atcode\\endcsname{\\the\\catcode`\\@}\\catcode`\\@=11
            \\providecommand\\repro@get[2]{\\ifcsname repro@#1@#2\\endcsname\\expandafter\\repro@use\\else\\expandafter\\repro@missing\\fi{#1}{#2}}
            \\providecommand\\repro@use[2]{\\csname repro@#1@#2\\endcsname}
            \\providecommand\\repro@missing[2]{\\errmessage{claims.tex: no #1 `\\detokenize{#2}' (the ids are listed in artifacts/claims.tex)}}
            \\providecommand\\repro@def[3]{\\expandafter\\def\\csname repro@#1@#2\\endcsname{#3}}
            \\providecommand\\claimvalue[1]{\\repro@get{value}{#1}}
            \\providecommand\\claimholds[1]{\\repro@get{holds}{#1}}
            \\providecommand\\claimbound[1]{\\repro@get{bound}{#1}}
            \\providecommand\\claimmetric[1]{\\repro@get{claimmetric}{#1}}
            \\providecommand\\claimstatement[1]{\\repro@get{statement}{#1}}
            \\providecommand\\claimfigure[1]{\\repro@get{figure}{#1}}
            \\providecommand\\figmetric[2]{\\repro@get{metric}{#1/#2}}
            \\providecommand\\figclaims[1]{\\repro@get{claims}{#1}}
            \\providecommand\\figprovenance[1]{\\repro@get{provenance}{#1}}

            """
        for (c, v, b) in results {
            let k = key(c.id)
            t += "% claim \(c.id)\n"
            t += "\\repro@def{value}{\(k)}{\(TeXNumber.tex(v))}\n"
            t += "\\repro@def{holds}{\(k)}{\(b.holds(v) ? "holds" : "fails")}\n"
            t += "\\repro@def{bound}{\(k)}{\(boundTeX(b))}\n"
            t += "\\repro@def{claimmetric}{\(k)}{\\texttt{\(TeXText.escape(c.what))}}\n"
            t += "\\repro@def{statement}{\(k)}{\(TeXText.escape(c.claim))}\n"
            t += "\\repro@def{figure}{\(k)}{\(TeXText.escape(c.figure))}\n"
        }
        var claimsOf: [String] = []
        for (c, _, _) in results where !claimsOf.contains(c.figure) { claimsOf.append(c.figure) }
        for f in figures where !claimsOf.contains(f.name) { claimsOf.append(f.name) }
        for fig in claimsOf {
            let rows = results.filter { $0.0.figure == fig }.map { "\\claimrow{\(key($0.0.id))}" }.joined()
            t += "\\repro@def{claims}{\(key(fig))}{\(rows)}\n"
        }
        for f in figures {
            t += "% figure \(f.name)\n"
            for (name, v) in f.metrics { t += "\\repro@def{metric}{\(key(f.name))/\(key(name))}{\(TeXNumber.tex(v))}\n" }
            let items = f.provenance.map { "\\provenanceitem{\(TeXText.escape($0.stage))}{\(TeXText.escape($0.kind))}{\($0.key)}" }
            t += "\\repro@def{provenance}{\(key(f.name))}{\(items.joined(separator: "%\n  "))}\n"
        }
        t += "\\catcode`\\@=\\repro@atcode\\relax\n"
        return t
    }

    static func boundTeX(_ bound: ResolvedBound) -> String {
        let b = bound.values.map { TeXNumber.math($0) }
        switch bound.op {
        case "lt": return "$<" + b[0] + "$"
        case "le": return "$\\le " + b[0] + "$"
        case "gt": return "$>" + b[0] + "$"
        case "ge": return "$\\ge " + b[0] + "$"
        default: return "$\\in[" + b[0] + ", " + b[1] + "]$"
        }
    }
}

/// Numbers for LaTeX by the rule of `ClaimsTeX` (4 significant digits), deterministically: the digits
/// come from Swift's shortest round-trip decimal, never from `String(format:)` or the locale.
enum TeXNumber {
    static let significant = 4

    /// Sign, digits (no leading zeros) and exponent e with |x| = d₀.d₁d₂… × 10ᵉ, rounded.
    static func decompose(_ x: Double) -> (negative: Bool, digits: [Int], exponent: Int) {
        let s = x.magnitude.description   // "123.45", "1e-05", "1.2345e+16"
        let parts = s.split(separator: "e", maxSplits: 1)
        var exp = parts.count == 2 ? Int(parts[1])! : 0
        let mant = parts[0].split(separator: ".", maxSplits: 1).map(String.init)
        let intPart = mant[0], frac = mant.count == 2 ? mant[1] : ""
        var digits = (intPart + frac).compactMap { $0.wholeNumberValue }
        exp += intPart.count - 1
        while digits.first == 0 && digits.count > 1 { digits.removeFirst(); exp -= 1 }
        if digits.count > significant {
            let up = digits[significant] >= 5
            digits = Array(digits.prefix(significant))
            if up {
                var i = significant - 1
                while i >= 0 { digits[i] += 1; if digits[i] < 10 { break }; digits[i] = 0; i -= 1 }
                if i < 0 { digits.insert(1, at: 0); digits.removeLast(); exp += 1 }
            }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        return (x < 0, digits, exp)
    }

    /// (mantissa or fixed string without sign, exponent if scientific).
    static func parts(_ x: Double) -> (negative: Bool, body: String, exponent: Int?) {
        if x == 0 { return (false, "0", nil) }
        let (neg, d, e) = decompose(x)
        let ds = d.map(String.init)
        if e >= -3 && e < 6 {
            if e >= 0 {
                let whole = ds.prefix(e + 1).joined() + String(repeating: "0", count: max(0, e + 1 - ds.count))
                let frac = ds.count > e + 1 ? ds.suffix(from: e + 1).joined() : ""
                return (neg, frac.isEmpty ? whole : whole + "." + frac, nil)
            }
            return (neg, "0." + String(repeating: "0", count: -e - 1) + ds.joined(), nil)
        }
        return (neg, ds.count == 1 ? ds[0] : ds[0] + "." + ds.dropFirst().joined(), e)
    }

    /// The number in math mode (no `$`).
    static func math(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "\\mathrm{NaN}" : (x < 0 ? "-\\infty" : "\\infty") }
        let (neg, body, e) = parts(x)
        return (neg ? "-" : "") + body + (e.map { "\\times10^{\($0)}" } ?? "")
    }

    /// The number for running text: `\ensuremath{…}`.
    static func tex(_ x: Double) -> String { "\\ensuremath{" + math(x) + "}" }

    /// The number as a PDF's text layer shows it, spaces removed: `−` is U+2212, `×10−4` for `\times10^{-4}`.
    static func text(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x < 0 ? "\u{2212}∞" : "∞") }
        let (neg, body, e) = parts(x)
        return (neg ? "\u{2212}" : "") + body + (e.map { "×10" + ($0 < 0 ? "\u{2212}" + String(-$0) : String($0)) } ?? "")
    }
}

/// Unicode text (claim statements, stage names) as LaTeX for pdflatex without extra packages: TeX's
/// special characters escaped, the Greek letters and symbols our claims use as math, and any other
/// non-ASCII character as `[U+HEX]` (visible, never a LaTeX error).
enum TeXText {
    static let math: [Character: String] = [
        "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "ε": "\\varepsilon", "θ": "\\theta",
        "λ": "\\lambda", "μ": "\\mu", "ν": "\\nu", "π": "\\pi", "ρ": "\\rho", "σ": "\\sigma", "τ": "\\tau",
        "φ": "\\varphi", "χ": "\\chi", "ψ": "\\psi", "ω": "\\omega", "Δ": "\\Delta", "Σ": "\\Sigma", "Ω": "\\Omega",
        "·": "\\cdot", "−": "-", "≈": "\\approx", "≤": "\\le", "≥": "\\ge", "≠": "\\ne", "×": "\\times",
        "±": "\\pm", "∈": "\\in", "→": "\\to", "∞": "\\infty", "⇔": "\\Leftrightarrow", "√": "\\surd",
        "₀": "_0", "₁": "_1", "₂": "_2", "₊": "_+", "₋": "_-", "⁰": "^0", "¹": "^1", "²": "^2", "³": "^3",
        "ᵉ": "^e", "|": "|", "<": "<", ">": ">",
    ]
    static let text: [Character: String] = [
        "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#", "%": "\\%",
        "_": "\\_", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}", "…": "\\ldots{}", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''",
    ]

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            if let m = math[ch] { out += "\\ensuremath{" + m + "}" }
            else if let t = text[ch] { out += t }
            else if ch.isASCII { out.append(ch) }
            else { out += "[U+" + ch.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: "+") + "]" }
        }
        return out
    }
}

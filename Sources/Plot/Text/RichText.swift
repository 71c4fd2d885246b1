/// A tiny TeX-like markup for labels, parsed into runs that render as SVG `<tspan>`s.
///
/// - `_x`, `_{…}`: subscript; `^x`, `^{…}`: superscript (nestable): `10^{-3}`, `\alpha_{+}`,
///   `|\mu|^{2}`, `m_{k}(0)`.
/// - `\alpha` … `\omega`, `\Gamma` … `\Omega` (and `\varepsilon`, `\vartheta`, `\varphi`), and
///   `\pm \times \cdot \infty \leq \geq \approx \sim \propto \neq \ell \partial \nabla \to
///   \leftarrow \in \langle \rangle \sqrt \sum \int \|`, `\degree`, `\prime`.
/// - `$…$`: math mode: Latin letters are italic and `-` is a minus sign (U+2212), as it is in
///   any sub- or superscript (`10^{-3}`).
///   `\mathrm{…}` / `\text{…}` are upright inside math, `\mathbf{…}` is bold.
/// - Escapes: `\\ \$ \_ \^ \{ \} \% \& \#`; `\,` is a thin space. Braces group and vanish.
/// - An unknown command is kept literally (`\foo` prints as `\foo`).
/// - Spaces are kept as typed, except that in math mode a space between a symbol command and a
///   letter only separates them (`$x\cdot e$` is "x·e"; `$\mu = 3$` stays "μ = 3").
///
/// Everything else is literal text; XML escaping happens at output.
public struct RichText: Sendable, Equatable {
    /// A piece of text at one baseline and size.
    public struct Run: Sendable, Equatable {
        public var text: String
        /// Baseline offset in em of the base font size (positive is up).
        public var shift: Double
        /// Font size relative to the base font size.
        public var scale: Double
        public var italic: Bool
        public var bold: Bool
    }

    public let runs: [Run]

    /// Parses markup.
    public init(_ markup: String) {
        var parser = Parser(Array(markup.unicodeScalars))
        runs = parser.parse()
    }

    /// The plain text (markup removed), e.g. for accessibility titles and tests.
    public var plainText: String { runs.map(\.text).joined() }

    static let symbols: [String: String] = [
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
        "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
        "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "rho": "ρ",
        "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ",
        "psi": "ψ", "omega": "ω",
        "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
        "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
        "pm": "±", "times": "×", "cdot": "·", "infty": "∞", "leq": "≤", "le": "≤", "geq": "≥",
        "ge": "≥", "approx": "≈", "sim": "∼", "simeq": "≃", "propto": "∝", "neq": "≠", "ne": "≠",
        "ell": "ℓ", "partial": "∂", "nabla": "∇", "to": "→", "rightarrow": "→",
        "leftarrow": "←", "leftrightarrow": "↔", "in": "∈", "langle": "⟨", "rangle": "⟩",
        "sqrt": "√", "sum": "∑", "int": "∫", "|": "‖", "degree": "°", "prime": "′",
        "ldots": "…", "dots": "…", "minus": "\u{2212}", "bullet": "•",
    ]

    static let relations: Set<String> = [
        "leq", "le", "geq", "ge", "approx", "sim", "simeq", "propto", "neq", "ne", "to", "rightarrow",
        "leftarrow", "leftrightarrow", "in", "pm", "times",
    ]

    private struct Style: Equatable {
        var shift = 0.0, scale = 1.0, italic = false, bold = false, upright = false
    }

    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var math = false
        var runs: [Run] = []

        init(_ s: [Unicode.Scalar]) { self.s = s }

        mutating func parse() -> [Run] {
            parseSequence(Style(), untilBrace: false)
            return runs
        }

        mutating func emit(_ text: String, _ st: Style, letterItalic: Bool = false) {
            guard !text.isEmpty else { return }
            let italic = st.italic || (letterItalic && math && !st.upright)
            if var last = runs.last, last.shift == st.shift, last.scale == st.scale,
               last.italic == italic, last.bold == st.bold {
                last.text += text
                runs[runs.count - 1] = last
            } else {
                runs.append(Run(text: text, shift: st.shift, scale: st.scale, italic: italic, bold: st.bold))
            }
        }

        /// Parses until end of input or an unmatched `}` (consumed) when `untilBrace`.
        mutating func parseSequence(_ st: Style, untilBrace: Bool) {
            while i < s.count {
                let c = s[i]
                switch c {
                case "}":
                    i += 1
                    if untilBrace { return }
                case "{":
                    i += 1
                    parseSequence(st, untilBrace: true)
                case "$":
                    i += 1
                    math.toggle()
                case "_", "^":
                    i += 1
                    var child = st
                    child.scale = st.scale * 0.7
                    child.shift = st.shift + (c == "^" ? 0.4 : -0.25) * st.scale
                    parseArgument(child)
                case "\\":
                    parseCommand(st)
                case "-" where math || st.shift != 0:
                    i += 1
                    emit("\u{2212}", st)
                default:
                    i += 1
                    let isLetter = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z")
                    emit(String(c), st, letterItalic: isLetter)
                }
            }
        }

        /// A `{group}`, a `\command`, or a single character.
        mutating func parseArgument(_ st: Style) {
            guard i < s.count else { return }
            if s[i] == "{" {
                i += 1
                parseSequence(st, untilBrace: true)
            } else if s[i] == "\\" {
                parseCommand(st)
            } else {
                let c = s[i]
                i += 1
                if c == "-" && (math || st.shift != 0) { emit("\u{2212}", st); return }
                let isLetter = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z")
                emit(String(c), st, letterItalic: isLetter)
            }
        }

        mutating func parseCommand(_ st: Style) {
            i += 1  // the backslash
            guard i < s.count else { emit("\\", st); return }
            let c = s[i]
            let isLetter = { (u: Unicode.Scalar) in (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") }
            if !isLetter(c) {
                i += 1
                switch c {
                case ",": emit("\u{2009}", st)
                case " ": emit(" ", st)
                case "|": emit("‖", st)
                default: emit(String(c), st)   // \\ \$ \_ \^ \{ \} \% \& \#
                }
                return
            }
            var name = ""
            while i < s.count, isLetter(s[i]) { name.unicodeScalars.append(s[i]); i += 1 }
            switch name {
            case "mathrm", "text", "rm":
                var child = st; child.upright = true; child.italic = false
                parseArgument(child)
            case "mathbf", "textbf", "bf":
                var child = st; child.bold = true; child.upright = true
                parseArgument(child)
            case "mathit", "textit", "it":
                var child = st; child.italic = true
                parseArgument(child)
            default:
                if let sym = RichText.symbols[name] {
                    emit(sym, st)
                    // In math mode a space between a command and a letter only separates the two
                    // (`$x\cdot e$` is "x·e"); other spaces are kept (`$\mu = 3$` is "μ = 3").
                    // Relations (`\propto`, `\approx`, …) keep their space.
                    if math, i + 1 < s.count, s[i] == " ", isLetter(s[i + 1]), !RichText.relations.contains(name) { i += 1 }
                } else {
                    emit("\\" + name, st)
                }
            }
        }
    }
}

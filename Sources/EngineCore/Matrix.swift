import StageAPI
import ProcessSpawn
/// Matrix expansion: one `stages:` entry with `matrix: {seed: [1, 2], d: [10, 100]}`
/// becomes one stage per combination, named `base@seed=1,d=10`, with `${var}`
/// replaced in params, deps and outs. A string that is exactly `${var}` takes
/// the variable's typed value (so `d: ${d}` is an integer); inside a longer
/// string the value is spliced as text.
public enum Matrix {
    public struct Axis: Sendable {
        public var name: String
        public var values: [Value]
        public var location: SourceLocation
    }

    /// Combinations in row-major order of the axes as declared (the last axis
    /// varies fastest): a stable, readable order.
    public static func expand(_ template: StageSpec, axes: [Axis]) throws -> [StageSpec] {
        var combos: [[(String, Value)]] = [[]]
        for axis in axes {
            combos = combos.flatMap { prefix in axis.values.map { prefix + [(axis.name, $0)] } }
        }
        let known = Set(axes.map(\.name))
        if let bad = firstPlaceholder(in: template, excluding: known) {
            throw PipelineError("'${\(bad)}' is not a matrix variable of stage '\(template.name)'",
                                at: template.locations.stage,
                                hint: "matrix variables: \(axes.map(\.name).joined(separator: ", "))")
        }
        return combos.map { combo in
            var s = template
            let vars = Dictionary(uniqueKeysWithValues: combo)
            s.name = template.name + "@" + combo.map { "\($0.0)=\(text($0.1))" }.joined(separator: ",")
            s.params = substitute(.object(template.params), vars).objectValue ?? template.params
            s.deps = template.deps.map { substitute(string: $0, vars) }
            s.outs = template.outs.map { substitute(string: $0, vars) }
            return s
        }
    }

    /// The most bytes of stage definitions (canonical params, paths, name) one
    /// matrix may expand to: a few hundred MB in memory, about 10⁴ times a
    /// real paper's whole pipeline.
    static let maxExpandedBytes = 64 << 20

    /// Roughly what one expanded instance of `template` weighs, in bytes.
    static func approximateSize(of template: StageSpec) -> Int {
        Value.object(template.params).canonicalJSON.utf8.count
            + (template.deps + template.outs).reduce(0) { $0 + $1.utf8.count + 16 } + template.name.utf8.count + 64
    }

    /// Why a matrix value cannot be spliced into stage names and paths, if it
    /// cannot: the same characters as a stage name (plus '+', for numbers such
    /// as 1e+20), so a value can neither add a path component nor a line.
    static func valueProblem(_ text: String) -> String? {
        if text.isEmpty { return "is empty" }
        if text.utf8.count > SpecParser.maxNameLength { return "is longer than \(SpecParser.maxNameLength) bytes" }
        if text == "." || text == ".." { return "is a path component ('\(text)')" }
        for u in text.unicodeScalars {
            if u == "/" { return "contains '/'" }
            if u.properties.generalCategory == .control || u == "\u{2028}" || u == "\u{2029}" {
                return u == "\n" ? "contains a newline" : "contains a control character"
            }
            guard u.isASCII, u.properties.isAlphabetic || ("0"..."9").contains(u) || "-_.+".unicodeScalars.contains(u) else {
                return "contains '\(Diagnostics.visible(String(u)))'"
            }
        }
        return nil
    }

    /// A value as spliced into a string or a stage name.
    static func text(_ v: Value) -> String {
        switch v {
        case .int(let i): String(i)
        case .double(let d): d.description
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        default: v.canonicalJSON
        }
    }

    static func substitute(_ v: Value, _ vars: [String: Value]) -> Value {
        switch v {
        case .string(let s):
            if s.hasPrefix("${"), s.hasSuffix("}"), let val = vars[String(s.dropFirst(2).dropLast())] { return val }
            return .string(substitute(string: s, vars))
        case .array(let a): return .array(a.map { substitute($0, vars) })
        case .object(let o): return .object(Value.Object(o.entries.map { ($0.key, substitute($0.value, vars)) }))
        default: return v
        }
    }

    static func substitute(string s: String, _ vars: [String: Value]) -> String {
        var out = s
        for name in placeholders(in: s) {
            if let v = vars[name] { out = out.replacingOccurrences(of: "${\(name)}", with: text(v)) }
        }
        return out
    }

    /// Names inside `${...}` in a string, in order of appearance.
    static func placeholders(in s: String) -> [String] {
        var names: [String] = []
        var rest = Substring(s)
        while let start = rest.range(of: "${") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            names.append(String(rest[start.upperBound..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return names
    }

    /// The first `${name}` in the stage that is not in `known`.
    static func firstPlaceholder(in s: StageSpec, excluding known: Set<String> = []) -> String? {
        func scan(_ v: Value) -> String? {
            switch v {
            case .string(let str): placeholders(in: str).first { !known.contains($0) }
            case .array(let a): a.lazy.compactMap(scan).first
            case .object(let o): o.entries.lazy.compactMap { scan($0.value) }.first
            default: nil
            }
        }
        return scan(.object(s.params)) ?? (s.deps + s.outs).lazy.compactMap { scan(.string($0)) }.first
    }
}

extension Value {
    var objectValue: Object? { if case .object(let o) = self { o } else { nil } }
}

/// Gathers: a dep `NAME@*` stands for every out of every instance of matrix
/// stage `NAME`, instances in matrix order (`Matrix.expand`'s row-major order),
/// each instance's outs in declared order. It is replaced by those paths right
/// after parsing, so keys, status, `why`, the DAG and the sandbox only ever see
/// real paths, and the stage depends on each instance.
///
/// Only matrix stages can be gathered: for a plain stage, `@*` would only hide
/// a short list of paths the user can write. A dep with `@` that does not name
/// a stage (`data/run@2.csv`) is an ordinary path.
extension Matrix {
    static let gatherSuffix = "@*"

    static func expandGathers(_ stages: [StageSpec], errors: inout [PipelineError]) -> [StageSpec] {
        guard stages.contains(where: { s in s.deps.contains { $0.contains("@") } }) else { return stages }
        var instances: [String: [Int]] = [:]
        var plain = Set<String>()
        for (i, s) in stages.enumerated() {
            if s.name == s.baseName { plain.insert(s.name) } else { instances[s.baseName, default: []].append(i) }
        }
        let stageNames = (Array(plain) + Array(instances.keys)).sorted()
        return stages.map { s in
            guard s.deps.contains(where: { $0.contains("@") }) else { return s }
            var out = s
            out.deps = []
            out.locations.deps = []
            for (j, d) in s.deps.enumerated() {
                let loc = s.locations.deps[safe: j] ?? s.locations.stage
                guard let at = d.firstIndex(of: "@"), !d.contains("/") else {
                    out.deps.append(d)
                    out.locations.deps.append(loc)
                    continue
                }
                let name = String(d[..<at]), form = String(d[at...])
                let isStage = plain.contains(name) || instances[name] != nil
                if !isStage, form != gatherSuffix {
                    out.deps.append(d)  // a file name with '@' in it
                    out.locations.deps.append(loc)
                    continue
                }
                if !isStage {
                    let guess = closest(name, in: stageNames).map { "did you mean '\($0)@*'? " } ?? ""
                    errors.append(PipelineError("dependency '\(Diagnostics.visible(d))' of stage '\(s.name)': no stage named '\(Diagnostics.visible(name))'",
                                                at: loc, hint: "\(guess)`NAME@*` gathers the outs of every instance of the matrix stage NAME"))
                } else if form != gatherSuffix {
                    errors.append(PipelineError("dependency '\(Diagnostics.visible(d))' of stage '\(s.name)': '\(Diagnostics.visible(form))' is not a form repro knows; only '\(name)@*' (all instances) is",
                                                at: loc, hint: "to read one instance, list its outs as paths"))
                } else if let members = instances[name] {
                    if name == s.baseName {
                        errors.append(PipelineError("stage '\(s.name)' depends on '\(d)', all instances of its own matrix (a cycle)",
                                                    at: loc, hint: "gather the instances in a separate stage"))
                    } else {
                        for m in members {
                            out.deps += stages[m].outs
                            out.locations.deps += Array(repeating: loc, count: stages[m].outs.count)
                        }
                    }
                } else {
                    errors.append(PipelineError("dependency '\(d)' of stage '\(s.name)': stage '\(name)' has no matrix, so it has no instances to gather",
                                                at: loc, hint: "list its outs as paths instead"))
                }
            }
            return out
        }
    }
}

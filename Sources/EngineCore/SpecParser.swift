import Foundation
import Yams
import StageAPI
import ProcessSpawn

/// Parses pipeline.yaml into a `PipelineSpec`, expanding matrices. Reports
/// every problem it finds with file, line and column.
public enum SpecParser {
    static let topKeys = ["executor", "host_inputs", "remote", "sandbox", "stages", "version"]
    static let stageKeys = ["deps", "desc", "kind", "matrix", "outs", "params", "resources"]
    static let resourceKeys = ["cpus_per_task", "mem", "partition", "retries", "retry_on", "time"]
    /// Stage and matrix variable names become file names (logs, job names).
    static let maxNameLength = 100

    /// Tags are resolved by `plainScalar` below, not by Yams's regex rules
    /// (which cost ~0.2 ms per scalar, most of a 500-stage pipeline's load time).
    static let resolver = Resolver.basic

    /// How many stages a pipeline may expand to unless the caller raises it:
    /// far above any real paper, far below what exhausts memory.
    public static let defaultMaxStages = 100_000

    /// - Parameter maxStages: the most stages the pipeline may have after
    ///   matrix expansion; checked before anything is expanded.
    /// - Parameter registry: what reads the `executor:` and `remote:` blocks
    ///   (the executor types and the shared cache the binary registered).
    public static func parse(yaml: String, file: String, maxStages: Int = defaultMaxStages,
                             registry: KindRegistry = KindRegistry()) throws -> PipelineSpec {
        if let p = YAMLPrescan.firstProblem(in: yaml) {
            throw PipelineErrors([PipelineError(p.message, at: SourceLocation(file: file, line: p.line, column: p.column), hint: p.hint)])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml, resolver)
        } catch let e as YamlError {
            throw PipelineErrors([yamlError(e, file: file)])
        }
        var p = Parser(file: file, maxStages: maxStages)
        let stages = Matrix.expandGathers(p.parseRoot(root), errors: &p.errors)
        var spec = PipelineSpec(file: file, stages: stages)
        // The plug-ins' blocks: kept whole with their keys' locations, and
        // checked by the executor types and the remote the binary registers.
        for (name, shape) in [("executor", "a mapping"), ("remote", "a mapping with 'url:'")] {
            guard let node = root?.mapping?[Node(name)] else { continue }
            var keys: [String: SourceLocation] = [:]
            guard case .object(let o)? = p.value(node, path: name, keys: &keys) else {
                p.errors.append(PipelineError("'\(name)' must be \(shape)", at: p.loc(node)))
                continue
            }
            if name == "executor" { (spec.executor, spec.executorLocation) = (o, p.loc(node)) } else { (spec.remote, spec.remoteLocation) = (o, p.loc(node)) }
            spec.blockKeys.merge(keys) { a, _ in a }
        }
        p.errors += checkBlocks(spec, registry: registry)
        if let node = root?.mapping?["sandbox"] {
            var keys: [String: SourceLocation] = [:]
            let (policy, problems) = p.value(node, path: "sandbox", keys: &keys).map { SandboxPolicy.parse($0) }
                ?? (.standard, ["'sandbox' must be `none` or a mapping with read_only: [absolute paths]"])
            spec.sandbox = policy
            for m in problems { p.errors.append(PipelineError(m, at: p.loc(node))) }
        }
        if let node = root?.mapping?["host_inputs"] {
            var keys: [String: SourceLocation] = [:]
            let value = p.value(node, path: "host_inputs", keys: &keys)
            var dirs: [String] = []
            if case .array(let items)? = value {
                for item in items {
                    if case .string(let d) = item, let why = SandboxPolicy.readOnlyProblem(d, projectRoot: nil) {
                        p.errors.append(PipelineError("host_inputs '\(Diagnostics.visible(d))' \(why)", at: p.loc(node)))
                    } else if case .string(let d) = item { dirs.append(d) } else {
                        p.errors.append(PipelineError("host_inputs entries must be absolute directory paths", at: p.loc(node)))
                    }
                }
            } else {
                p.errors.append(PipelineError("'host_inputs' must be a list of absolute directories that deps may be symlinks into", at: p.loc(node)))
            }
            spec.hostInputs = dirs
        }
        if !p.errors.isEmpty { throw PipelineErrors(p.errors) }
        return spec
    }

    static func yamlError(_ e: YamlError, file: String) -> PipelineError {
        switch e {
        case .scanner(let ctx, let problem, let mark, let yaml), .parser(let ctx, let problem, let mark, let yaml),
             .composer(let ctx, let problem, let mark, let yaml):
            let context = ctx.map { " \($0.text)" } ?? ""
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let line = lines[safe: mark.line - 1] ?? ""
            // A tab in the indentation of this line or one just before it (YAML indents with spaces only).
            let tabbed = (max(1, mark.line - 2)...max(1, mark.line)).first { n in
                (lines[safe: n - 1] ?? "").prefix { $0 == " " || $0 == "\t" }.contains("\t")
            }
            let hint = tabbed.map { "line \($0) is indented with a tab: YAML indents with spaces only (replace the tab with spaces)" }
                ?? (line.contains("${") && (line.contains("[") || line.contains("{ "))
                    ? "inside [ ] or { }, quote values that contain ${...}: [\"out/${seed}.csv\"]"
                    : "check indentation and quoting around this position")
            return PipelineError("invalid YAML: \(problem)\(context)",
                                 at: SourceLocation(file: file, line: mark.line, column: mark.column), hint: hint)
        case .duplicatedKeysInMapping(let dups, let ctx):
            return PipelineError("duplicate key(s) \(dups.sorted().map { "'\(Diagnostics.visible($0))'" }.joined(separator: ", "))",
                                 at: SourceLocation(file: file, line: ctx.mark.line, column: ctx.mark.column),
                                 hint: "each key may appear once in a mapping; stage names must be unique")
        default:
            return PipelineError("invalid YAML: \(e)", at: nil, file: file)
        }
    }

    /// The recursive-descent walk over the YAML node tree.
    struct Parser {
        let file: String
        let maxStages: Int
        var errors: [PipelineError] = []
        /// Stages produced so far (matrix instances counted before expansion).
        var stageCount = 0

        init(file: String, maxStages: Int) {
            self.file = file
            self.maxStages = maxStages
        }

        func loc(_ node: Node) -> SourceLocation {
            let m = node.mark
            return SourceLocation(file: file, line: m?.line ?? 1, column: m?.column ?? 1)
        }

        mutating func error(_ msg: String, _ node: Node, hint: String? = nil) {
            errors.append(PipelineError(msg, at: loc(node), hint: hint))
        }

        mutating func checkKeys(_ map: Node.Mapping, allowed: [String], what: String) {
            for (k, _) in map {
                guard let key = k.string, allowed.contains(key) else {
                    let name = k.string ?? "\(k)"
                    let guess = closest(name, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                    error("unknown key '\(Diagnostics.visible(name))' in \(what)\(guess)", k, hint: "allowed keys: \(allowed.joined(separator: ", "))")
                    continue
                }
            }
        }

        mutating func parseRoot(_ root: Node?) -> [StageSpec] {
            guard let root, let map = root.mapping else {
                errors.append(PipelineError("pipeline must be a mapping with a 'stages:' key",
                                            at: root.map(loc) ?? SourceLocation(file: file, line: 1, column: 1),
                                            hint: "start the file with 'stages:' and one entry per stage"))
                return []
            }
            checkKeys(map, allowed: SpecParser.topKeys, what: "the pipeline")
            if let v = map["version"], v.int != 1 {
                error("unsupported pipeline version '\(v.string ?? "?")'", v, hint: "this repro reads 'version: 1'")
            }
            guard let stagesNode = map["stages"] else {
                error("missing 'stages:'", root, hint: "add 'stages:' with one entry per stage")
                return []
            }
            guard let stages = stagesNode.mapping else {
                error("'stages' must be a mapping from stage name to stage", stagesNode)
                return []
            }
            var out: [StageSpec] = []
            for (k, v) in stages {
                guard let name = k.string, isValidName(name) else {
                    error("invalid stage name '\(Diagnostics.visible(k.string ?? ""))'", k,
                          hint: "use at most \(SpecParser.maxNameLength) letters, digits, '-', '_' and '.', starting with a letter or digit")
                    continue
                }
                let stages = parseStage(name: name, key: k, node: v)
                if stages.count == 1, stages[0].baseName == stages[0].name, !countStages(1, stage: name, at: loc(k), detail: nil) {
                    continue
                }
                out += stages
            }
            return out
        }

        /// Adds `n` stages to the pipeline's count; false (with one error) once
        /// the count passes `maxStages`. Matrices are counted before they expand.
        mutating func countStages(_ n: Int, stage: String, at location: SourceLocation, detail: String?) -> Bool {
            guard stageCount <= maxStages else { return false }
            let (total, overflow) = stageCount.addingReportingOverflow(n)
            stageCount = overflow ? Int.max : total
            guard stageCount > maxStages else { return true }
            let count = overflow || n == Int.max ? "more than \(Int.max)" : "\(n)"
            let what = detail.map { "stage '\(stage)' expands to \(count) stages (\($0))" } ?? "stage '\(stage)' is one stage too many"
            errors.append(PipelineError("\(what), which takes the pipeline past the limit of \(maxStages) stages",
                                        at: location, hint: "use fewer or shorter matrix lists, or raise the limit with --max-stages N"))
            return false
        }

        func isValidName(_ s: String) -> Bool {
            guard s.utf8.count <= SpecParser.maxNameLength,
                  let f = s.unicodeScalars.first, f.properties.isAlphabetic || ("0"..."9").contains(f) else { return false }
            return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
        }

        mutating func parseStage(name: String, key: Node, node: Node) -> [StageSpec] {
            guard let map = node.mapping else {
                error("stage '\(name)' must be a mapping with 'kind:', 'params:', 'deps:', 'outs:'", node)
                return []
            }
            checkKeys(map, allowed: SpecParser.stageKeys, what: "stage '\(name)'")
            guard let kindNode = map["kind"], let kind = kindNode.scalar?.string, !kind.isEmpty else {
                error("stage '\(name)' has no 'kind:'", key, hint: "add e.g. 'kind: shell' (see `repro kinds`)")
                return []
            }
            var paramKeys: [String: SourceLocation] = [:]
            var params = Value.Object()
            if let pn = map["params"] {
                if case .object(let o)? = value(pn, path: "", keys: &paramKeys) { params = o } else if pn.null == nil {
                    error("'params' of stage '\(name)' must be a mapping", pn)
                }
            }
            let deps = stringList(map["deps"], what: "deps", stage: name)
            let outs = stringList(map["outs"], what: "outs", stage: name)
            let desc = map["desc"]?.string
            var resources = Value.Object()
            if let rn = map["resources"] {
                var ignored: [String: SourceLocation] = [:]
                if case .object(let o)? = value(rn, path: "resources", keys: &ignored) {
                    resources = o
                    for k in o.keys where !SpecParser.resourceKeys.contains(k) {
                        error("unknown key '\(k)' in resources of stage '\(name)'", rn, hint: "allowed keys: \(SpecParser.resourceKeys.joined(separator: ", "))")
                    }
                    if let (key, message) = StageResources.problem(o) {
                        error("resources.\(key) of stage '\(name)' \(message)", rn)
                    }
                } else {
                    error("'resources' of stage '\(name)' must be a mapping", rn)
                }
            }

            var template = StageSpec(
                name: name, baseName: name, kind: kind, params: params,
                deps: deps.map(\.0), outs: outs.map(\.0), description: desc, resources: resources,
                locations: .init(stage: loc(key), kind: loc(kindNode), params: map["params"].map(loc),
                                 paramKeys: paramKeys, deps: deps.map(\.1), outs: outs.map(\.1)))
            guard let matrixNode = map["matrix"] else {
                if let bad = Matrix.firstPlaceholder(in: template) {
                    errors.append(PipelineError("'${\(bad)}' used but stage '\(name)' has no matrix", at: template.locations.stage,
                                                hint: "declare 'matrix: {\(bad): [...]}' or remove the placeholder"))
                }
                return [template]
            }
            guard let axes = parseMatrix(matrixNode, stage: name) else { return [] }
            var combos = 1
            for axis in axes {
                let (c, overflow) = combos.multipliedReportingOverflow(by: axis.values.count)
                combos = overflow ? Int.max : c
            }
            let sizes = axes.map { String($0.values.count) }.joined(separator: " × ")
            guard countStages(combos, stage: name, at: loc(matrixNode), detail: "\(sizes) values") else { return [] }
            let bytes = Matrix.approximateSize(of: template).multipliedReportingOverflow(by: combos)
            if bytes.overflow || bytes.partialValue > Matrix.maxExpandedBytes {
                errors.append(PipelineError("stage '\(name)' expands to \(combos) stages of about \(Matrix.approximateSize(of: template)) bytes each, more than \(Matrix.maxExpandedBytes >> 20) MB of stage definitions",
                                            at: loc(matrixNode), hint: "make the params smaller or the matrix lists shorter"))
                return []
            }
            template.locations.paramKeys = paramKeys
            do {
                return try Matrix.expand(template, axes: axes)
            } catch let e as PipelineError {
                errors.append(e)
                return []
            } catch {
                return []
            }
        }

        mutating func parseMatrix(_ node: Node, stage: String) -> [Matrix.Axis]? {
            guard let map = node.mapping, !map.isEmpty else {
                error("'matrix' of stage '\(stage)' must be a non-empty mapping from variable to list of values", node)
                return nil
            }
            var axes: [Matrix.Axis] = []
            for (k, v) in map {
                var ignored: [String: SourceLocation] = [:]
                guard let name = k.string, isValidName(name) else {
                    error("invalid matrix variable name '\(Diagnostics.visible(k.string ?? ""))'", k,
                          hint: "use at most \(SpecParser.maxNameLength) letters, digits, '-', '_' and '.', starting with a letter or digit")
                    return nil
                }
                guard case .array(let values)? = value(v, path: "", keys: &ignored), !values.isEmpty else {
                    error("matrix variable '\(name)' must be a non-empty list", v)
                    return nil
                }
                for (i, value) in values.enumerated() {
                    switch value {
                    case .int, .double, .string, .bool: break
                    default:
                        error("matrix values must be numbers, strings or booleans", v)
                        return nil
                    }
                    let text = Matrix.text(value)
                    if let problem = Matrix.valueProblem(text) {
                        errors.append(PipelineError("matrix value '\(Diagnostics.visible(text))' of variable '\(name)' in stage '\(stage)' \(problem)",
                                                    at: ignored["[\(i)]"] ?? loc(v),
                                                    hint: "matrix values become part of stage names and paths: use letters, digits, '-', '_', '.' and '+'"))
                        return nil
                    }
                }
                axes.append(.init(name: name, values: values, location: loc(k)))
            }
            return axes
        }

        mutating func stringList(_ node: Node?, what: String, stage: String) -> [(String, SourceLocation)] {
            guard let node else { return [] }
            if node.null != nil, node.scalar != nil, node.string?.isEmpty ?? true { return [] }
            if let s = node.scalar?.string { return [(s, loc(node))] }
            guard let seq = node.sequence else {
                error("'\(what)' of stage '\(stage)' must be a list of paths", node)
                return []
            }
            var out: [(String, SourceLocation)] = []
            for item in seq {
                guard let s = item.scalar?.string, !s.isEmpty else {
                    error("each entry of '\(what)' must be a path (a string)", item)
                    continue
                }
                out.append((s, loc(item)))
            }
            return out
        }

        /// Converts a YAML node to a `Value`, recording each mapping key's location.
        mutating func value(_ node: Node, path: String, keys: inout [String: SourceLocation]) -> Value? {
            switch node {
            case .scalar(let s):
                // Quoted scalars are strings; plain ones are typed (explicit !!tags are not supported).
                guard s.style == .plain else { return .string(s.string) }
                guard let v = SpecParser.plainScalar(s.string) else {
                    error("integer '\(s.string)' does not fit in 64 bits", node)
                    return nil
                }
                return v
            case .sequence(let seq):
                var arr: [Value] = []
                for (i, item) in seq.enumerated() {
                    let p = "\(path)[\(i)]"
                    keys[p] = loc(item)
                    if let v = value(item, path: p, keys: &keys) { arr.append(v) }
                }
                return .array(arr)
            case .mapping(let map):
                var pairs: [(String, Value)] = []
                for (k, v) in map {
                    guard let key = k.string else { error("mapping keys must be strings", k); continue }
                    let p = path.isEmpty ? key : "\(path).\(key)"
                    keys[p] = loc(k)
                    if let val = value(v, path: p, keys: &keys) { pairs.append((key, val)) }
                }
                return .object(Value.Object(lastWins: pairs))
            case .alias:
                // Not produced by Yams.compose, which replaces each alias by
                // its anchored node; `YAMLPrescan` refuses both beforehand.
                error("YAML aliases are not supported", node)
                return nil
            }
        }
    }
}

extension SpecParser {
    /// Types a plain (unquoted) scalar by the YAML 1.2 core schema: only
    /// true/false are booleans (no yes/no/on/off surprises), decimal integers
    /// only (010 is 10, not octal), no sexagesimal numbers, no timestamps.
    /// Returns nil for an integer that does not fit in 64 bits.
    static func plainScalar(_ t: String) -> Value? {
        switch t {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let u = Array(t.utf8)
        var i = 0
        if u[0] == UInt8(ascii: "+") || u[0] == UInt8(ascii: "-") { i = 1 }
        func digits() -> Int {
            let s = i
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 { i += 1 }
            return i - s
        }
        let intDigits = digits()
        if i == u.count { return intDigits > 0 ? Int(t).map(Value.int) : .string(t) }
        var fracDigits = 0
        if u[i] == UInt8(ascii: ".") { i += 1; fracDigits = digits() }
        guard intDigits + fracDigits > 0 else { return .string(t) }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return .string(t) }
        }
        guard i == u.count, let d = Double(t) else { return .string(t) }
        return .double(d)
    }
}

/// The candidate nearest to `s` by edit distance (the first of equals), if it is plausibly a typo:
/// within `tolerance` edits, or a third of its length.
public func closest(_ s: String, in candidates: [String], tolerance: Int = 1) -> String? {
    func dist(_ a: [Character], _ b: [Character]) -> Int {
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return a.isEmpty ? b.count : prev[b.count]
    }
    // A typo is short; an edit distance over a megabyte-long key costs seconds.
    guard s.utf8.count <= 64 else { return nil }
    let a = Array(s)
    let best = candidates.map { ($0, dist(a, Array($0))) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= max(tolerance, s.count / 3) else { return nil }
    return best.0
}

extension SpecParser {
    /// The `executor:` and `remote:` blocks, checked by the executor types and
    /// the remote the binary registered (the engine itself reads neither).
    static func checkBlocks(_ spec: PipelineSpec, registry: KindRegistry) -> [PipelineError] {
        var errors: [PipelineError] = []
        if let at = spec.executorLocation {
            for problem in registry.executors.problems(spec.executor) {
                errors.append(PipelineError(problem.message, at: problem.key.flatMap { spec.blockKeys[$0] } ?? at, hint: problem.hint))
            }
        }
        if let at = spec.remoteLocation {
            guard let remote = registry.remote else {
                return errors + [PipelineError("this repro has no shared cache to read 'remote:' with", at: at, hint: "remove the block")]
            }
            for k in spec.remote.keys.sorted() where !remote.keys.contains(k) {
                errors.append(PipelineError("unknown key '\(k)' in remote", at: spec.blockKeys["remote.\(k)"] ?? at,
                                            hint: "allowed keys: \(remote.keys.joined(separator: ", "))" + remote.hint))
            }
            do { try remote.validate(Params(spec.remote, path: "remote")) } catch let e as ParamError {
                errors.append(PipelineError("remote: \(e.message) (\(e.key))", at: spec.blockKeys[e.key] ?? spec.blockKeys["remote.\(e.key)"] ?? at))
            } catch {
                errors.append(PipelineError("remote: \(error)", at: at))
            }
        }
        return errors
    }
}

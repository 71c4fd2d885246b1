import Foundation
import StageAPI
import ProcessSpawn

/// A validated pipeline: stages bound to their kinds, dependencies resolved to
/// producing stages or source files, in a deterministic topological order.
public struct Pipeline: Sendable {
    public struct Stage: Sendable {
        public let spec: StageSpec
        public let kind: any StageKind
        /// What `kind.validate` made of the params: what `run` receives.
        public let config: any Sendable
        /// `spec.params` as canonical JSON (computed once: it is part of every key).
        public let canonicalParams: String
        /// For each dep (declaration order): the index of the stage producing it, or nil for a source file.
        public let producers: [Int?]
        /// Indices of the stages it depends on, sorted.
        public let upstream: [Int]
        /// Every stage's outputs (for params that name stages).
        let outputs: StageOutputs
        public var name: String { spec.name }
        /// What the stage's kind is told about it (name, deps, outs, and the pipeline's outputs by stage).
        public var info: StageInfo { StageInfo(name: spec.name, deps: spec.deps, outs: spec.outs, outputs: outputs) }
    }

    /// In topological order: among stages whose inputs are ready, the one
    /// declared first comes first.
    public let stages: [Stage]
    public let file: String
    /// The `executor:` block of the pipeline file.
    public let executorConfig: Value.Object
    /// The `remote:` block of the pipeline file.
    public let remoteConfig: Value.Object
    /// The `sandbox:` setting of the pipeline file.
    public let sandbox: SandboxPolicy
    /// `host_inputs:`: host directories a dep's symlink may point into.
    public let hostInputs: [String]
    private let indexByName: [String: Int]
    /// Indices of stages that read each stage's outputs, sorted.
    public let downstream: [[Int]]

    public func index(of name: String) -> Int? { indexByName[name] }

    /// Loads and validates `file` (relative to `root`), collecting every error.
    /// - Parameter maxStages: the most stages the file may expand to (see
    ///   `SpecParser.defaultMaxStages`).
    public static func load(root: URL, file: String = "pipeline.yaml", registry: KindRegistry, code: CodeDigests = CodeDigests(files: []),
                            maxStages: Int = SpecParser.defaultMaxStages) throws -> Pipeline {
        let text = try readText(root: root, file: file)
        let spec = try SpecParser.parse(yaml: text, file: file, maxStages: maxStages, registry: registry)
        return try build(spec, root: root, registry: registry, code: code)
    }

    /// The pipeline file's text, or an error saying whether it is missing,
    /// unreadable, or not UTF-8.
    static func readText(root: URL, file: String) throws -> String {
        let url = root.appendingPathComponent(file)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw PipelineErrors([PipelineError("cannot read \(file) in \(root.path): no such file", at: nil, file: file,
                                                hint: "run repro from the project directory, or pass --project DIR")])
        }
        func unreadable(_ why: String) -> PipelineErrors {
            PipelineErrors([PipelineError("cannot read \(file) in \(root.path): \(why)", at: nil, file: file,
                                          hint: "check the file's permissions, or pass --file with the pipeline file")])
        }
        guard !isDir.boolValue else { throw unreadable("it is a directory") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw unreadable(error.localizedDescription) }
        switch UTF8Text.decode(data) {
        case .success(let text): return text
        case .failure(let p):
            throw PipelineErrors([PipelineError("\(file) \(p.message)", at: SourceLocation(file: file, line: p.line, column: p.column),
                                                hint: p.likely.map { "save it as UTF-8 (e.g. iconv -f \($0) -t UTF-8 \(file) > fixed.yaml, then rename)"
                                                    + ($0 == "LATIN1" ? "; if it is not Latin-1, name its encoding instead of LATIN1" : "") }
                                                    ?? "save it as UTF-8 text, without NUL bytes")])
        }
    }

    public static func build(_ declared: PipelineSpec, root: URL, registry: KindRegistry, code: CodeDigests = CodeDigests(files: [])) throws -> Pipeline {
        let (spec, derivedErrors) = DerivedDeps.apply(declared, registry: registry)
        let (kinds, configs, kindErrors) = bindKinds(spec, registry: registry)
        let (producers, depErrors) = resolveDeps(spec, root: root)
        // A param that names no stage is reported by derivation and again by validation: once is enough.
        var errors: [PipelineError] = []
        for e in derivedErrors + kindErrors + checkOutsSpareSources(spec, root: root, kinds: kinds, codeDigests: code) + depErrors
            where !errors.contains(where: { "\($0)" == "\(e)" }) { errors.append(e) }
        if !errors.isEmpty { throw PipelineErrors(errors) }

        let n = spec.stages.count
        let upstream = producers.map { Array(Set($0.compactMap { $0 })).sorted() }
        var down = Array(repeating: [Int](), count: n)
        for (i, ups) in upstream.enumerated() { for u in ups { down[u].append(i) } }
        let order = try topologicalOrder(spec, upstream: upstream, downstream: down)
        let outputs = StageOutputs(spec.stages)
        var position = Array(repeating: 0, count: n)
        for (p, i) in order.enumerated() { position[i] = p }
        let stages = order.map { i in
            Stage(spec: spec.stages[i], kind: kinds[i]!, config: configs[i]!, canonicalParams: Value.object(spec.stages[i].params).canonicalJSON,
                  producers: producers[i].map { $0.map { position[$0] } },
                  upstream: upstream[i].map { position[$0] }.sorted(), outputs: outputs)
        }
        let downstream = order.map { i in down[i].map { position[$0] }.sorted() }
        return Pipeline(stages: stages, file: spec.file, executorConfig: spec.executor, remoteConfig: spec.remote, sandbox: spec.sandbox,
                        hostInputs: spec.hostInputs, indexByName: Dictionary(uniqueKeysWithValues: stages.enumerated().map { ($1.name, $0) }),
                        downstream: downstream)
    }

    /// Each stage's kind (nil where unknown) and what its validation made of
    /// the params, with its params and paths checked, and every stage name used once.
    static func bindKinds(_ spec: PipelineSpec, registry: KindRegistry) -> ([(any StageKind)?], [(any Sendable)?], [PipelineError]) {
        var errors: [PipelineError] = []
        var kinds: [(any StageKind)?] = []
        var configs: [(any Sendable)?] = Array(repeating: nil, count: spec.stages.count)
        var seenNames: [String: Int] = [:]
        let outputs = StageOutputs(spec.stages)
        for (i, s) in spec.stages.enumerated() {
            if let j = seenNames[s.name] {
                errors.append(PipelineError("stage name '\(s.name)' is used twice (first at line \(spec.stages[j].locations.stage.line))",
                                            at: s.locations.stage, hint: "rename one of them"))
            }
            seenNames[s.name] = i
            errors += checkPaths(s)
            guard let kind = registry[s.kind] else {
                let guess = closest(s.kind, in: registry.names).map { "did you mean '\($0)'? " } ?? ""
                errors.append(PipelineError("unknown stage kind '\(Diagnostics.visible(s.kind))' in stage '\(s.name)'", at: s.locations.kind ?? s.locations.stage,
                                            hint: "\(guess)known kinds: \(registry.names.joined(separator: ", "))"))
                kinds.append(nil)
                continue
            }
            kinds.append(kind)
            let params = Params(s.params)
            do {
                configs[i] = try kind.validate(params, stage: StageInfo(name: s.name, deps: s.deps, outs: s.outs, outputs: outputs))
                for k in params.unreadKeys {
                    errors.append(PipelineError("unknown parameter '\(Diagnostics.visible(k))' for kind '\(s.kind)' in stage '\(s.name)'",
                                                at: s.location(ofParam: k), hint: "remove it or check its spelling (see `repro kinds \(s.kind)`)"))
                }
            } catch let e as ParamError {
                errors.append(PipelineError("stage '\(s.name)': parameter '\(e.key)' \(e.message)", at: s.location(ofParam: e.key),
                                            hint: "fix the value in pipeline.yaml"))
            } catch {
                errors.append(PipelineError("stage '\(s.name)': \(error)", at: s.locations.params ?? s.locations.stage))
            }
        }
        return (kinds, configs, errors)
    }

    /// For each stage's deps (declaration order), the index of the stage that
    /// writes it, or nil for a source file, which must exist.
    static func resolveDeps(_ spec: PipelineSpec, root: URL) -> ([[Int?]], [PipelineError]) {
        var errors: [PipelineError] = []
        var producer: [String: Int] = [:]
        for (i, s) in spec.stages.enumerated() {
            for (j, o) in s.outs.enumerated() {
                if let other = producer[o] {
                    errors.append(PipelineError("output '\(Diagnostics.visible(o))' is written by both '\(spec.stages[other].name)' and '\(s.name)'",
                                                at: s.locations.outs[safe: j] ?? s.locations.stage,
                                                hint: "give each stage its own output paths (with a matrix, put ${var} in the path)"))
                } else {
                    producer[o] = i
                }
            }
        }
        var producers: [[Int?]] = []
        for s in spec.stages {
            var ps: [Int?] = []
            for (j, d) in s.deps.enumerated() {
                if let p = producer[d] {
                    if spec.stages[p].name == s.name {
                        errors.append(PipelineError("stage '\(s.name)' depends on its own output '\(Diagnostics.visible(d))'",
                                                    at: s.locations.deps[safe: j] ?? s.locations.stage))
                    }
                    ps.append(p)
                } else if pathProblem(d) != nil {
                    ps.append(nil)  // reported by checkPaths; not looked up on disk
                } else {
                    var isDir: ObjCBool = false
                    let exists = FileManager.default.fileExists(atPath: root.appendingPathComponent(d).path, isDirectory: &isDir)
                    if !exists || isDir.boolValue {
                        errors.append(PipelineError(
                            exists ? "dependency '\(d)' of stage '\(s.name)' is a directory" : "dependency '\(d)' of stage '\(s.name)' does not exist and no stage produces it",
                            at: s.locations.deps[safe: j] ?? s.locations.stage,
                            hint: exists ? "list the files it needs" : "create the file, fix the path, or add the stage that writes it to its outs"))
                    }
                    ps.append(nil)
                }
            }
            producers.append(ps)
        }
        return (producers, errors)
    }

    /// Kahn's algorithm, always taking the earliest-declared ready stage; a
    /// cycle is an error naming its stages in data-flow order.
    static func topologicalOrder(_ spec: PipelineSpec, upstream: [[Int]], downstream down: [[Int]]) throws -> [Int] {
        let n = upstream.count
        var indegree = upstream.map(\.count)
        var ready = MinHeap((0..<n).filter { indegree[$0] == 0 })
        var order: [Int] = []
        while let i = ready.pop() {
            order.append(i)
            for d in down[i] {
                indegree[d] -= 1
                if indegree[d] == 0 { ready.push(d) }
            }
        }
        guard order.count < n else { return order }
        let cycle = findCycle(upstream: upstream, among: Set((0..<n).filter { indegree[$0] > 0 }))
        let names = cycle.map { spec.stages[$0].name }
        throw PipelineErrors([PipelineError("dependency cycle: \((names + [names[0]]).joined(separator: " -> "))",
                                            at: spec.stages[cycle[0]].locations.stage,
                                            hint: "a stage cannot (indirectly) read its own output; break the cycle")])
    }

    /// Output and dependency paths must be plain relative paths inside the project.
    static func checkPaths(_ s: StageSpec) -> [PipelineError] {
        var errors: [PipelineError] = []
        for (paths, locs, what) in [(s.outs, s.locations.outs, "output"), (s.deps, s.locations.deps, "dependency")] {
            for (j, p) in paths.enumerated() {
                if let problem = pathProblem(p) {
                    errors.append(PipelineError("\(what) path '\(Diagnostics.visible(p))' of stage '\(s.name)' \(problem)", at: locs[safe: j] ?? s.locations.stage,
                                                hint: "use a relative path inside the project, e.g. artifacts/\(s.baseName)/result.csv"))
                }
            }
        }
        if s.outs.isEmpty {
            errors.append(PipelineError("stage '\(s.name)' declares no outs", at: s.locations.stage,
                                        hint: "list the files it writes under 'outs:'"))
        }
        return errors
    }

    /// Why `p` is not a plain relative path inside the project, if it is not.
    /// The same rule holds for paths read back from disk (lock entries, run
    /// records): no path may leave the project, name repro's own files, or
    /// hold a character that would split a line of the lock or of a record.
    public static func pathProblem(_ p: String) -> String? {
        if p.isEmpty { return "is empty" }
        for u in p.unicodeScalars where u.properties.generalCategory == .control || u == "\u{2028}" || u == "\u{2029}" {
            return u == "\n" ? "contains a newline" : u == "\0" ? "contains a NUL character" : "contains a control character"
        }
        if p.hasPrefix("/") || p.hasPrefix("~") { return "is absolute (outside the project)" }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") { return "leaves the project ('..')" }
        if parts.contains(".") || parts.contains("") { return "is not normalized (no '.', '//' or trailing '/')" }
        if parts.first == ".repro" || parts.first == ".git" { return "is inside \(parts[0])/, which repro and git manage" }
        if p == LockFile.fileName { return "is the lock file" }
        if p.utf8.count > maxPathLength { return "is longer than \(maxPathLength) bytes" }
        if parts.contains(where: { $0.utf8.count > 255 }) { return "has a component longer than 255 bytes" }
        return nil
    }

    /// PATH_MAX less room for the project root and repro's staging directories.
    static let maxPathLength = 1024

    /// Outputs may not overwrite what the pipeline is made of: the pipeline
    /// file, the lock, the source code of the stages' kinds (part of every
    /// key), an existing directory, or a directory that holds other declared
    /// paths (a file there would replace the directory).
    static func checkOutsSpareSources(_ spec: PipelineSpec, root: URL, kinds: [(any StageKind)?], codeDigests: CodeDigests) -> [PipelineError] {
        let protected = Dictionary([(spec.file, "is the pipeline file"), ("pipeline.yaml", "is the pipeline file"),
                                    (LockFile.fileName, "is the lock file"),
                                    (LockFile.name(forPipeline: spec.file), "is this pipeline file's lock")]) { a, _ in a }
        // A code path names a file or a directory prefix (see `CodeDigests`).
        var code: [String: String] = [:]
        for (s, kind) in zip(spec.stages, kinds) {
            guard let kind else { continue }
            for c in codeDigests.scope(of: kind.codeTarget) ?? [] where code[c] == nil { code[c] = s.kind }
        }
        let codeList = code.sorted { $0.key < $1.key }
        func codeKind(_ o: String) -> String? {
            codeList.first { o == $0.key || o.hasPrefix($0.key.hasSuffix("/") ? $0.key : $0.key + "/") }?.value
        }
        var directories = Set<String>()
        for s in spec.stages {
            for p in s.deps + s.outs {
                var parts = p.split(separator: "/").dropLast()
                while !parts.isEmpty, directories.insert(parts.joined(separator: "/")).inserted { parts = parts.dropLast() }
            }
        }
        var errors: [PipelineError] = []
        let rootPath = root.path
        for s in spec.stages {
            for (j, o) in s.outs.enumerated() {
                guard pathProblem(o) == nil else { continue }  // reported by checkPaths; not looked up on disk
                var problem = protected[o] ?? codeKind(o).map { "is source code of kind '\($0)' (part of its stages' keys)" }
                if problem == nil, directories.contains(o) { problem = "is a directory of other declared paths" }
                var st = stat()  // (a plain stat: this runs for every output of every stage, on every command)
                if problem == nil, stat(rootPath + "/" + o, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                    problem = "is an existing directory"
                }
                if let problem {
                    errors.append(PipelineError("output '\(o)' of stage '\(s.name)' \(problem)", at: s.locations.outs[safe: j] ?? s.locations.stage,
                                                hint: "a stage writes only files of its own, e.g. artifacts/\(s.baseName)/result.csv"))
                }
            }
        }
        return errors
    }

    /// A cycle among the stuck stages, as a list of stage indices. Iterative:
    /// a chain of 10⁵ stages must not exhaust the stack.
    static func findCycle(upstream: [[Int]], among stuck: Set<Int>) -> [Int] {
        var state: [Int: Int] = [:]  // 1 = on stack, 2 = done
        var stack: [Int] = []
        var next: [Int] = []  // for each stack entry, the next upstream index to try
        for start in stuck.sorted() where state[start] == nil {
            state[start] = 1
            stack = [start]
            next = [0]
            while let v = stack.last {
                let ups = upstream[v]
                var k = next[next.count - 1]
                while k < ups.count, !stuck.contains(ups[k]) || state[ups[k]] == 2 { k += 1 }
                guard k < ups.count else {
                    state[v] = 2
                    stack.removeLast()
                    next.removeLast()
                    continue
                }
                next[next.count - 1] = k + 1
                let u = ups[k]
                if state[u] == 1, let at = stack.firstIndex(of: u) {
                    // In data-flow order, starting from the earliest-declared stage.
                    let cycle = Array(stack[at...].reversed())
                    let first = cycle.firstIndex(of: cycle.min()!)!
                    return Array(cycle[first...] + cycle[..<first])
                }
                state[u] = 1
                stack.append(u)
                next.append(0)
            }
        }
        return stuck.sorted()
    }

    /// Selected stages and (unless `upstreamToo` is false) everything they need,
    /// plus everything downstream when asked; in pipeline order.
    public func select(_ names: [String], upstreamToo: Bool = true, downstreamToo: Bool = false) throws -> [Int] {
        var chosen = Set<Int>()
        for name in names {
            let matches = indexByName[name].map { [$0] } ?? stages.indices.filter { stages[$0].spec.baseName == name }
            guard !matches.isEmpty else {
                let guess = closest(name, in: stages.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                throw EngineError.usage("no stage named '\(name)'\(guess); `repro dag` lists them")
            }
            chosen.formUnion(matches)
        }
        var result = chosen
        if upstreamToo {
            var todo = Array(chosen)
            while let i = todo.popLast() { for u in stages[i].upstream where result.insert(u).inserted { todo.append(u) } }
        }
        if downstreamToo {
            var todo = Array(chosen)
            while let i = todo.popLast() { for d in downstream[i] where result.insert(d).inserted { todo.append(d) } }
        }
        return result.sorted()
    }
}

/// A binary min-heap of Ints (ready stages by declaration index).
struct MinHeap {
    private var a: [Int]
    init(_ xs: [Int]) { a = []; for x in xs { push(x) } }
    mutating func push(_ x: Int) {
        a.append(x)
        var i = a.count - 1
        while i > 0, a[(i - 1) / 2] > a[i] { a.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
    }
    mutating func pop() -> Int? {
        guard !a.isEmpty else { return nil }
        let top = a[0]
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < a.count, a[l] < a[m] { m = l }
                if r < a.count, a[r] < a[m] { m = r }
                if m == i { break }
                a.swapAt(i, m)
                i = m
            }
        }
        return top
    }
    var isEmpty: Bool { a.isEmpty }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

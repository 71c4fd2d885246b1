import StageAPI
import ProcessSpawn
/// Everything that determines a stage's outputs, and its SHA-256 key.
/// Stored in the lock as the key's pre-image, so `repro why` can name the
/// field that changed.
public struct KeyFields: Sendable, Equatable {
    public var kind: String
    /// Digest of the kind's source files (see `CodeDigests`).
    public var code: String
    /// The params as canonical JSON.
    public var params: String
    /// (path, SHA-256 of its content), in declaration order.
    public var deps: [Dep]
    /// Declared output paths, in declaration order.
    public var outs: [String]
    /// (stage name, key) of upstream stages, for kinds that record provenance; else empty.
    public var upstream: [Dep] = []
    /// What the outputs depend on beyond code, params and inputs (the
    /// platform: GSL version, instruction-set level, a shell stage's
    /// `fingerprint` commands), as the kind declares it; empty for most kinds.
    public var platform: [PlatformFact] = []

    public struct Dep: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) { self.path = path; self.sha256 = sha256 }
    }

    public init(kind: String, code: String, params: String, deps: [Dep], outs: [String]) {
        self.kind = kind
        self.code = code
        self.params = params
        self.deps = deps
        self.outs = outs
    }

    /// SHA-256 over a length-prefixed encoding: each field is a tag byte and a
    /// big-endian 64-bit length before its bytes, so no two different field
    /// lists share an encoding (no separator can be forged by a path or param).
    public var key: String {
        var enc: [UInt8] = []
        func put(_ tag: UInt8, _ s: String) {
            enc.append(tag)
            let bytes = Array(s.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { enc += $0 }
            enc += bytes
        }
        put(0, "repro-stage-key-v1")
        put(1, kind)
        put(2, code)
        put(3, params)
        for d in deps { put(4, d.path); put(5, d.sha256) }
        for o in outs { put(6, o) }
        for u in upstream { put(7, u.path); put(8, u.sha256) }
        for f in platform { put(9, f.name); put(10, f.value) }
        return FileHasher.hash(data: enc)
    }

    /// Human-readable differences from an older record, for `why` and logs.
    public func changes(since old: KeyFields) -> [String] {
        var out: [String] = []
        if kind != old.kind { out.append("kind changed: \(old.kind) -> \(kind)") }
        if code != old.code { out.append("code of kind '\(kind)' changed: \(old.code.prefix(12)) -> \(code.prefix(12))") }
        if params != old.params { out.append("params changed: \(ParamDiff.describe(old: old.params, new: params))") }
        let oldDeps = Dictionary(old.deps.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        let newDeps = Dictionary(deps.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        for d in deps {
            if let o = oldDeps[d.path] {
                if o != d.sha256 { out.append("input changed: \(d.path) (\(o.prefix(12)) -> \(d.sha256.prefix(12)))") }
            } else {
                out.append("input added: \(d.path)")
            }
        }
        for d in old.deps where newDeps[d.path] == nil { out.append("input removed: \(d.path)") }
        for u in upstream where !old.upstream.contains(u) {
            out.append("upstream stage \(u.path) has a new key (\(u.sha256.prefix(12)))")
        }
        out += PlatformFact.changes(from: old.platform, to: platform)
        if outs != old.outs { out.append("outs changed: [\(old.outs.joined(separator: ", "))] -> [\(outs.joined(separator: ", "))]") }
        if out.isEmpty && deps.map(\.path) != old.deps.map(\.path) { out.append("inputs reordered") }
        return out
    }
}

/// Describes how two canonical-JSON param objects differ, key by key.
enum ParamDiff {
    static func describe(old: String, new: String) -> String {
        guard case .object(let o)? = try? JSONReader.parse(old), case .object(let n)? = try? JSONReader.parse(new) else {
            return "\(old) -> \(new)"
        }
        var parts: [String] = []
        diff(.object(o), .object(n), path: "", into: &parts)
        return parts.isEmpty ? "\(old) -> \(new)" : parts.joined(separator: "; ")
    }

    static func diff(_ a: Value, _ b: Value, path: String, into parts: inout [String]) {
        if case .object(let x) = a, case .object(let y) = b {
            let keys = Set(x.keys).union(y.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for k in keys {
                let p = path.isEmpty ? k : path + "." + k
                switch (x[k], y[k]) {
                case (let u?, let v?): diff(u, v, path: p, into: &parts)
                case (nil, let v?): parts.append("\(p) added (\(v.canonicalJSON))")
                case (let u?, nil): parts.append("\(p) removed (was \(u.canonicalJSON))")
                default: break
                }
            }
        } else if case .array(let x) = a, case .array(let y) = b, x.count == y.count {
            for (i, (u, v)) in zip(x, y).enumerated() { diff(u, v, path: "\(path)[\(i)]", into: &parts) }
        } else if a != b || a.canonicalJSON != b.canonicalJSON {
            parts.append("\(path): \(a.canonicalJSON) -> \(b.canonicalJSON)")
        }
    }
}

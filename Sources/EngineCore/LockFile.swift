import Foundation
import StageAPI
import ProcessSpawn

/// `repro.lock`: for every stage, its key, the key's fields, and each
/// output's digest and size. JSON with sorted keys, two-space indentation,
/// LF, one field per line, so diffs of the committed lock read well.
public struct LockFile: Sendable, Equatable {
    public struct Output: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
        public init(sha256: String, size: Int64) { self.sha256 = sha256; self.size = size }
    }

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var fields: KeyFields
        /// Output path -> digest, in the order of `fields.outs`.
        public var outs: [(path: String, output: Output)]

        public init(key: String, fields: KeyFields, outs: [(path: String, output: Output)]) {
            self.key = key
            self.fields = fields
            self.outs = outs
        }

        public static func == (a: Entry, b: Entry) -> Bool {
            a.key == b.key && a.fields == b.fields && a.outs.map(\.path) == b.outs.map(\.path)
                && a.outs.map(\.output) == b.outs.map(\.output)
        }
    }

    public var stages: [String: Entry] = [:]
    /// Entries of the file that were not used because they break the rules
    /// every path and digest must follow (see `entryProblem`), by stage name:
    /// such a stage counts as never run, and the next write drops the entry.
    public var rejected: [Rejection] = []

    public struct Rejection: Sendable, Equatable, CustomStringConvertible {
        public var stage: String
        public var reason: String
        public var description: String {
            "\(LockFile.fileName): ignoring the entry of stage '\(Diagnostics.visible(stage))': \(reason); the stage will run again"
        }
    }

    public init(stages: [String: Entry] = [:]) { self.stages = stages }

    public static let fileName = "repro.lock"

    /// The lock file of a pipeline file (see `Project.lockName`).
    public static func name(forPipeline path: String) -> String {
        var file = Substring(path)
        while file.hasPrefix("./") { file = file.dropFirst(2) }
        if file == "pipeline.yaml" { return fileName }
        for ext in [".yaml", ".yml"] where file.hasSuffix(ext) && file.count > ext.count { return String(file.dropLast(ext.count)) + ".lock" }
        return file + ".lock"
    }

    /// Why the lock of pipeline file `path` cannot be used: it would be
    /// pipeline.yaml's `repro.lock` (`--file repro.yaml`), the lock of another
    /// pipeline file beside it (`x.yml` and `x.yaml`), or outside the project
    /// (`--file ../x.yaml`). Nil if it is fine.
    public static func nameProblem(forPipeline path: String, root: URL) -> String? {
        let name = Self.name(forPipeline: path)
        if name == fileName && Self.name(forPipeline: "pipeline.yaml") == fileName && path != "pipeline.yaml" && path != "./pipeline.yaml" {
            return "its lock would be \(fileName), pipeline.yaml's: rename the pipeline file"
        }
        if let why = Pipeline.pathProblem(name), why != "is the lock file" {
            return "its lock '\(name)' \(why): a pipeline file's lock is written beside it, inside the project (pass a pipeline file inside the project)"
        }
        var file = Substring(path)
        while file.hasPrefix("./") { file = file.dropFirst(2) }
        for (a, b) in [(".yaml", ".yml"), (".yml", ".yaml")] where file.hasSuffix(a) {
            let other = String(file.dropLast(a.count)) + b
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(other).path) {
                return "its lock '\(name)' would also be the lock of \(other): rename one of them"
            }
        }
        return nil
    }

    /// Reads the lock; a missing file is an empty lock.
    public static func load(from url: URL) throws -> LockFile {
        guard FileManager.default.fileExists(atPath: url.path) else { return LockFile() }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EngineError.io("cannot read \(url.lastPathComponent): \(error.localizedDescription)")
        }
        do {
            switch UTF8Text.decode(data) {
            case .success(let text): return try parse(text)
            case .failure(let p): throw FormatError(description: "it \(p.message) at byte \(p.offset)")
            }
        } catch {
            throw EngineError.io("\(url.lastPathComponent) is damaged (\(error)); restore it from git (git checkout -- \(url.lastPathComponent)) or delete it to rebuild the record")
        }
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> LockFile {
        guard case .object(let root) = try JSONReader.parse(text, rawKeys: ["params"]) else { throw FormatError(description: "not an object") }
        guard root["version"] == .int(1) else { throw FormatError(description: "unknown version") }
        guard case .object(let stages)? = root["stages"] else { throw FormatError(description: "no stages") }
        var lock = LockFile()
        for (name, v) in stages.entries {
            guard case .object(let e) = v,
                  case .string(let key)? = e["key"], case .string(let kind)? = e["kind"], case .string(let code)? = e["code"],
                  case .string(let params)? = e["params"], case .object(let deps)? = e["deps"],
                  case .array(let outOrder)? = e["out_order"], case .object(let outs)? = e["outs"]
            else { throw FormatError(description: "stage '\(name)' is incomplete") }
            let depOrder: [String]
            if case .array(let order)? = e["dep_order"] {
                depOrder = order.compactMap { if case .string(let s) = $0 { s } else { nil } }
            } else { depOrder = deps.keys }
            var fieldDeps: [KeyFields.Dep] = []
            for p in depOrder {
                guard case .string(let sha)? = deps[p] else { throw FormatError(description: "stage '\(name)': bad dep \(p)") }
                fieldDeps.append(.init(path: p, sha256: sha))
            }
            var outList: [(String, Output)] = []
            var outPaths: [String] = []
            for o in outOrder {
                guard case .string(let p) = o, case .object(let rec)? = outs[p], case .string(let sha)? = rec["sha256"],
                      case .int(let size)? = rec["size"] else { throw FormatError(description: "stage '\(name)': bad out") }
                outList.append((p, Output(sha256: sha, size: Int64(size))))
                outPaths.append(p)
            }
            var fields = KeyFields(kind: kind, code: code, params: params, deps: fieldDeps, outs: outPaths)
            if case .array(let ups)? = e["upstream"] {
                for u in ups {
                    guard case .array(let pair) = u, pair.count == 2, case .string(let n) = pair[0], case .string(let k) = pair[1]
                    else { throw FormatError(description: "stage '\(name)': bad upstream") }
                    fields.upstream.append(.init(path: n, sha256: k))
                }
            }
            if case .array(let facts)? = e["platform"] {
                for f in facts {
                    guard case .array(let pair) = f, pair.count == 2, case .string(let n) = pair[0], case .string(let v) = pair[1]
                    else { throw FormatError(description: "stage '\(name)': bad platform") }
                    fields.platform.append(.init(name: n, value: v))
                }
            }
            let entry = Entry(key: key, fields: fields, outs: outList)
            if let problem = entryProblem(name: name, entry) {
                lock.rejected.append(Rejection(stage: name, reason: problem))
            } else {
                lock.stages[name] = entry
            }
        }
        return lock
    }

    /// Why an entry read from disk must not be used, if it must not: a path
    /// that leaves the project or holds a control character, an output digest
    /// or key that is not 64 hex digits (they name files in the cache), a
    /// negative size, a name no pipeline could declare, or the same out twice.
    static func entryProblem(name: String, _ e: Entry) -> String? {
        if name.isEmpty || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" }) {
            return "its name is not a stage name"
        }
        for d in e.fields.deps {
            if let p = Pipeline.pathProblem(d.path) { return "dependency path '\(Diagnostics.visible(d.path))' \(p)" }
        }
        var seen = Set<String>()
        for o in e.outs {
            if let p = Pipeline.pathProblem(o.path) { return "output path '\(Diagnostics.visible(o.path))' \(p)" }
            guard seen.insert(o.path).inserted else { return "output '\(Diagnostics.visible(o.path))' is listed twice" }
            guard isDigest(o.output.sha256) else { return "output '\(o.path)' has a malformed sha256" }
            guard o.output.size >= 0 else { return "output '\(o.path)' has a negative size" }
        }
        guard isDigest(e.key) else { return "its key is not a digest" }
        return nil
    }

    /// 64 lowercase hex digits, as `FileHasher` and `KeyFields.key` write them.
    static func isDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The file's text: deterministic, sorted, LF, trailing newline.
    public var text: String {
        var s = "{\n  \"stages\": {"
        let names = stages.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for (i, name) in names.enumerated() {
            let e = stages[name]!
            s += i == 0 ? "\n" : ",\n"
            s += "    \(q(name)): {\n"
            s += "      \"code\": \(q(e.fields.code)),\n"
            s += "      \"dep_order\": [\(e.fields.deps.map { q($0.path) }.joined(separator: ", "))],\n"
            let sortedDeps = e.fields.deps.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            s += "      \"deps\": {" + (sortedDeps.isEmpty ? "}" : "\n" + sortedDeps.map { "        \(q($0.path)): \(q($0.sha256))" }.joined(separator: ",\n") + "\n      }") + ",\n"
            s += "      \"key\": \(q(e.key)),\n"
            s += "      \"kind\": \(q(e.fields.kind)),\n"
            s += "      \"out_order\": [\(e.outs.map { q($0.path) }.joined(separator: ", "))],\n"
            let sortedOuts = e.outs.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            s += "      \"outs\": {" + (sortedOuts.isEmpty ? "}" : "\n" + sortedOuts.map {
                "        \(q($0.path)): {\"sha256\": \(q($0.output.sha256)), \"size\": \($0.output.size)}"
            }.joined(separator: ",\n") + "\n      }") + ",\n"
            s += "      \"params\": \(e.fields.params)" + (e.fields.upstream.isEmpty && e.fields.platform.isEmpty ? "\n" : ",\n")
            if !e.fields.platform.isEmpty {
                s += "      \"platform\": [" + e.fields.platform.map { "[\(q($0.name)), \(q($0.value))]" }.joined(separator: ", ") + "]"
                s += e.fields.upstream.isEmpty ? "\n" : ",\n"
            }
            if !e.fields.upstream.isEmpty {
                s += "      \"upstream\": [" + e.fields.upstream.map { "[\(q($0.path)), \(q($0.sha256))]" }.joined(separator: ", ") + "]\n"
            }
            s += "    }"
        }
        s += names.isEmpty ? "},\n" : "\n  },\n"
        s += "  \"version\": 1\n}\n"
        return s
    }

    private func q(_ s: String) -> String {
        var out = ""
        Value.writeJSONString(s, into: &out)
        return out
    }

    public func write(to url: URL, durable: Bool) throws {
        try AtomicFile.write(Data(text.utf8), to: url, durable: durable)
    }
}

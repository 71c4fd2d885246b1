import EngineCore
import StageAPI
import Foundation
import Yams

/// The experiments of a project: workspaces under `.repro/exp/NAME`.
public struct Experiments: Sendable {
    public let projectRoot: URL
    public var dir: URL { projectRoot.appendingPathComponent(".repro/exp") }

    public init(projectRoot: URL) { self.projectRoot = projectRoot }

    public struct Workspace: Sendable {
        public let name: String
        public let root: URL
    }

    public func names() -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return items.filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).appendingPathComponent(Experiments.recordName).path) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public static let recordName = "experiment.json"

    /// An experiment that exists, or a usage error listing those that do.
    public func existing(_ name: String) throws -> Workspace {
        let all = names()
        guard all.contains(name) else {
            let guess = closest(name, in: all.sorted(), tolerance: 2).map { " (did you mean '\($0)'?)" } ?? ""
            let list = all.isEmpty ? "there are none yet: repro exp run --set STAGE.PARAM=VALUE" : "repro exp list shows them: \(all.joined(separator: ", "))"
            throw ChangesError("no experiment named '\(name)'\(guess)\nhint: \(list)")
        }
        return Workspace(name: name, root: dir.appendingPathComponent(name))
    }
}

/// One `--set STAGE.PARAM=VALUE` (or `STAGE.matrix.AXIS=[..]`), as given.
public struct Override: Sendable, Equatable {
    /// The argument as the user wrote it (for messages).
    public var argument: String
    public var stage: String
    /// The param path under `params:`, or ["matrix", AXIS].
    public var path: [String]
    /// One line of YAML flow text.
    public var value: String

    /// Parses `STAGE.PARAM.PATH=VALUE`. The stage name is the longest prefix
    /// that names a stage of `stageNames` (stage names may contain dots).
    public static func parse(_ arg: String, stageNames: [String]) throws -> Override {
        guard let eq = arg.firstIndex(of: "=") else {
            throw ChangesError("--set \(arg): expected STAGE.PARAM=VALUE (e.g. fig4-cell.init.seeds.count=200, or fig4-cell.matrix.mu=[3.0])")
        }
        let lhs = String(arg[..<eq]), value = String(arg[arg.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty, !value.contains("\n") else { throw ChangesError("--set \(arg): the value is empty (write it as YAML: 3, 2.5, [10, 20], \"text\")") }
        do { _ = try Yams.compose(yaml: "v: " + value) } catch {
            throw ChangesError("--set \(arg): the value '\(value)' is not YAML: \(error)")
        }
        let candidates = stageNames.filter { lhs.hasPrefix($0 + ".") }.sorted { $0.count > $1.count }
        guard let stage = candidates.first else {
            let first = String(lhs.split(separator: ".").first ?? "")
            let guess = closest(first, in: stageNames.sorted(), tolerance: 2).map { " (did you mean '\($0)'?)" } ?? ""
            throw ChangesError("--set \(arg): no stage named '\(first)' in pipeline.yaml\(guess)\nhint: name a stage as declared under stages: (a matrix entry's name sets all its instances)")
        }
        let path = lhs.dropFirst(stage.count + 1).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, !path.contains(""), !(path[0] == "matrix" && path.count != 2) else {
            throw ChangesError("--set \(arg): expected STAGE.PARAM=VALUE with a param path (target.mu) or STAGE.matrix.AXIS=[...]")
        }
        return Override(argument: arg, stage: stage, path: path, value: value)
    }

    /// The key path in pipeline.yaml.
    public var yamlPath: [String] { path[0] == "matrix" ? ["stages", stage] + path : ["stages", stage, "params"] + path }

    /// Overrides from a YAML file: a mapping of `STAGE.PARAM: VALUE`.
    public static func parseFile(_ url: URL, stageNames: [String]) throws -> [Override] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ChangesError("--set-file \(url.path): cannot read it (missing, or not UTF-8)")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw ChangesError("--set-file \(url.path): not YAML: \(error)") }
        guard case .mapping(let m)? = node else {
            throw ChangesError("--set-file \(url.path): expected a mapping of STAGE.PARAM: VALUE lines (e.g. fig4-cell.matrix.mu: [3.0])")
        }
        return try m.map { k, v in
            guard let key = k.string else { throw ChangesError("--set-file \(url.path): a key that is not text at line \(k.mark?.line ?? 0)") }
            return try parse("\(key)=\(YAMLEdit.flowText(v))", stageNames: stageNames)
        }
    }
}

/// The stage names declared under `stages:` (before matrices expand).
public func declaredStageNames(_ pipelineText: String) -> [String] {
    guard case .mapping(let root)? = try? Yams.compose(yaml: pipelineText),
          case .mapping(let stages)? = root.first(where: { $0.key.string == "stages" })?.value else { return [] }
    return stages.compactMap { $0.key.string }
}

/// pipeline.yaml's text with the overrides applied, each a minimal edit.
public func applyOverrides(_ text: String, _ overrides: [Override]) throws -> String {
    var t = text
    for o in overrides {
        do { t = try YAMLEdit.set(t, path: o.yamlPath, value: o.value) } catch {
            throw ChangesError("--set \(o.argument): \(error)")
        }
    }
    return t
}

/// What `experiment.json` records of an experiment (sorted keys, LF).
public struct ExperimentRecord: Sendable {
    public var name: String
    public var overrides: [String]
    public var stages: [String]
    /// The pipeline file's digest before the overrides.
    public var basePipelineSHA256: String
    public var ran: [String]
    public var restored: Int
    public var upToDate: Int
    public var failed: [String]
    public var claimsFlipped: [String]
    public var claimsChanged: Int

    public init(name: String, overrides: [String], stages: [String], basePipelineSHA256: String) {
        self.name = name; self.overrides = overrides; self.stages = stages; self.basePipelineSHA256 = basePipelineSHA256
        ran = []; restored = 0; upToDate = 0; failed = []; claimsFlipped = []; claimsChanged = 0
    }

    public var json: String {
        func strs(_ a: [String]) -> Value { .array(a.map(Value.string)) }
        let v = Value.object(Value.Object([
            ("name", .string(name)), ("overrides", strs(overrides)), ("stages", strs(stages)),
            ("base_pipeline_sha256", .string(basePipelineSHA256)), ("ran", strs(ran)), ("restored", .int(restored)),
            ("up_to_date", .int(upToDate)), ("failed", strs(failed)), ("claims_flipped", strs(claimsFlipped)),
            ("claims_changed", .int(claimsChanged)),
        ]))
        var out = ""
        PrettyJSON.write(v, indent: 0, into: &out)
        return out + "\n"
    }

    public static func read(_ url: URL) -> ExperimentRecord? {
        guard let text = try? String(contentsOf: url, encoding: .utf8), case .object(let o)? = try? JSONReader.parse(text),
              case .string(let name)? = o["name"] else { return nil }
        func strs(_ k: String) -> [String] {
            guard case .array(let a)? = o[k] else { return [] }
            return a.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        func int(_ k: String) -> Int { if case .int(let i)? = o[k] { i } else { 0 } }
        var r = ExperimentRecord(name: name, overrides: strs("overrides"), stages: strs("stages"),
                                 basePipelineSHA256: { if case .string(let s)? = o["base_pipeline_sha256"] { s } else { "" } }())
        r.ran = strs("ran"); r.restored = int("restored"); r.upToDate = int("up_to_date"); r.failed = strs("failed")
        r.claimsFlipped = strs("claims_flipped"); r.claimsChanged = int("claims_changed")
        return r
    }
}

extension Experiments {
    /// A valid experiment name: letters, digits, `-`, `_`, `.` (not leading).
    public static func checkName(_ name: String) throws {
        let ok = !name.isEmpty && name.count <= 100 && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == "."))
        }
        guard ok else { throw ChangesError("-n \(name): an experiment name is made of letters, digits, '-', '_' and '.' (not first)") }
    }

    /// The first free name exp1, exp2, …
    public func nextName() -> String {
        let taken = Set((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
        var i = 1
        while taken.contains("exp\(i)") { i += 1 }
        return "exp\(i)"
    }

    /// Makes a fresh workspace: the edited pipeline file, the project's lock,
    /// the source files the pipeline reads, and the outputs the project has
    /// (copies: nothing in the workspace is linked to a project file).
    public func prepare(name: String, pipelineFile: String, pipelineText: String, lockName: String,
                        sources: [String], outputs: [String]) throws -> Workspace {
        let root = dir.appendingPathComponent(name)
        let fm = FileManager.default
        try? fm.removeItem(at: root)
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try Data(pipelineText.utf8).write(to: root.appendingPathComponent(pipelineFile))
        for rel in [lockName] + sources + outputs {
            let src = projectRoot.appendingPathComponent(rel)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: src.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let dst = root.appendingPathComponent(rel)
            try fm.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? fm.removeItem(at: dst)
            try fm.copyItem(at: src, to: dst)
        }
        return Workspace(name: name, root: root)
    }
}

/// For a key path that does not all exist in the YAML text: the first key
/// missing and the existing key of that mapping nearest to it (a typo's "did you mean").
public func nearestExistingKey(_ text: String, path: [String]) -> (missing: String, nearest: String)? {
    guard var node = try? Yams.compose(yaml: text) else { return nil }
    for k in path {
        guard case .mapping(let m) = node else { return nil }
        if let v = m.first(where: { $0.key.string == k })?.value { node = v; continue }
        let keys = m.compactMap { $0.key.string }
        return closest(k, in: keys.sorted(), tolerance: 2).map { (k, $0) }
    }
    return nil
}

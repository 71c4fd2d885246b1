import EngineCore
import StageAPI
import Foundation
import Stages
import XCTest
import ShellStages
import ConcatStages

/// The project's claims as the tests see them: read from pipeline.yaml's raw
/// params (not through the claims kind), with a naive CSV reader and row
/// matcher of their own, so the tests do not check the evaluator against itself.
struct ClaimFixture {
    var id: String
    /// A table claim's files, selection (column → raw YAML value) and the column its reduction reads; or a metric claim's file and name.
    var tables: [String] = [], selection: [(String, Value)] = [], column: String?
    var metricFile: String?, metricName: String?
    /// lt, le, gt, ge, between or binomial, with the numbers given.
    var op: String, values: [Double]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func claimsStage() throws -> Pipeline.Stage {
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        return try XCTUnwrap(pipeline.stages.first { $0.spec.kind == "claims" })
    }

    /// A stage name as its one output ending in `suffix`; anything else is a path.
    static func file(_ reference: String, _ suffix: String, in pipeline: Pipeline) -> String {
        let outs = pipeline.stages.filter { $0.name == reference || $0.spec.baseName == reference }.flatMap(\.spec.outs)
        return outs.first { $0.hasSuffix(suffix) } ?? reference
    }

    static func all(_ stage: Pipeline.Stage) throws -> [ClaimFixture] {
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        guard case .array(let items)? = stage.spec.params["claims"] else { return [] }
        return try items.map { item in
            guard case .object(let o) = item, case .string(let id)? = o["id"] else { throw Unreadable("a claim without id: \(item)") }
            let op = try XCTUnwrap(["lt", "le", "gt", "ge", "between", "binomial"].first { o[$0] != nil }, "claim \(id) has no bound")
            var f = ClaimFixture(id: id, op: op, values: numbers(o[op]!))
            if case .string(let metric)? = o["metric"] {
                let parts = metric.split(separator: "#", maxSplits: 1).map(String.init)
                (f.metricFile, f.metricName) = (file(parts[0], ".json", in: pipeline), parts[1])
            } else {
                switch o["table"] {
                case .string(let s)?: f.tables = [file(s, ".csv", in: pipeline)]
                case .array(let a)?: f.tables = a.compactMap { if case .string(let s) = $0 { file(s, ".csv", in: pipeline) } else { nil } }
                default: throw Unreadable("claim \(id) has neither metric nor table")
                }
                if case .object(let w)? = o["where"] { f.selection = w.entries.map { ($0.key, $0.value) } }
                for r in ["max", "min", "mean", "value"] { if case .string(let c)? = o[r] { f.column = c } }
            }
            return f
        }
    }

    static func numbers(_ v: Value) -> [Double] {
        switch v {
        case .int(let i): [Double(i)]
        case .double(let d): [d]
        case .array(let a): a.flatMap(numbers)
        case .object(let o): o.entries.filter { $0.key == "p" }.flatMap { numbers($0.value) }
        default: []
        }
    }

    /// Whether a CSV row (cells by header) passes the selection, compared naively.
    func selects(_ row: [String: String]) -> Bool {
        selection.allSatisfy { column, v in
            guard let cell = row[column] else { return false }
            switch v {
            case .string(let s): return cell == s
            case .int(let i): return Double(cell) == Double(i)
            case .double(let d): return Double(cell) == d
            case .array(let vs): return vs.contains { ClaimFixture(id: id, selection: [(column, $0)], op: op, values: values).selects(row) }
            case .object(let r):
                guard let x = Double(cell) else { return false }
                return r.entries.allSatisfy { k, b in
                    let y = Self.numbers(b)[0]
                    switch k { case "ge": return x >= y; case "gt": return x > y; case "le": return x <= y; default: return x < y }
                }
            default: return false
            }
        }
    }
}

struct Unreadable: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A CSV file as header and lines (the project's tables have no quoted cells).
struct RawCSV {
    var header: [String], rows: [[String]]

    init(_ url: URL) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func cells(_ row: [String]) -> [String: String] { Dictionary(uniqueKeysWithValues: zip(header, row)) }

    var text: String { ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n" }
}

/// Runs the project's claims stage on a scratch copy of its deps, some replaced.
func runClaims(_ stage: Pipeline.Stage, replacing files: [String: String]) throws -> String? {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claims-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    for dep in stage.spec.deps {
        let url = dir.appendingPathComponent(dep)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let text = files[dep] { try Data(text.utf8).write(to: url) } else {
            try FileManager.default.copyItem(at: ClaimFixture.root.appendingPathComponent(dep), to: url)
        }
    }
    let ctx = StageContext(info: stage.info, params: Params(stage.spec.params), root: dir, staging: dir.appendingPathComponent(".staging"),
                           parallelism: 1, reporter: { _ in }, cancelled: { false })
    do {
        try stage.run(ctx)
        return nil
    } catch let e as StageFailure {
        return e.message
    }
}

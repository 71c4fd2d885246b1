import Engine
import Foundation
import Stages
import XCTest

/// Every claim of the project's pipeline.yaml can fail: with the metric it
/// reads moved just past its bound (one ulp, on the committed metrics), the
/// `claims` stage fails naming that claim and no other; with the metric
/// missing, it fails saying so. The committed metrics themselves pass.
final class ClaimsCanFailTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Unreadable: Error { var what: String }

    struct Bound { var id: String, file: String, key: String, op: String, values: [Double] }

    func bounds(_ stage: Pipeline.Stage) throws -> [Bound] {
        guard case .array(let items)? = stage.spec.params["claims"] else { return [] }
        return try items.map { item in
            guard case .object(let o) = item, case .string(let id)? = o["id"], case .string(let metric)? = o["metric"] else {
                throw Unreadable(what: "a claim without id or metric: \(item)")
            }
            let parts = metric.split(separator: "#", maxSplits: 1).map(String.init)
            for op in ["lt", "le", "gt", "ge", "between"] {
                guard let v = o[op] else { continue }
                let numbers: [Double] = {
                    switch v {
                    case .int(let i): return [Double(i)]
                    case .double(let d): return [d]
                    case .array(let a): return a.compactMap { if case .int(let i) = $0 { Double(i) } else if case .double(let d) = $0 { d } else { nil } }
                    default: return []
                    }
                }()
                return Bound(id: id, file: parts[0], key: parts[1], op: op, values: numbers)
            }
            XCTFail("claim \(id) has no bound")
            return Bound(id: id, file: parts[0], key: parts[1], op: "", values: [])
        }
    }

    /// Values just outside the bound (both sides for `between`).
    func pastTheBound(_ b: Bound) -> [Double] {
        switch b.op {
        case "lt": [b.values[0]]
        case "le": [b.values[0].nextUp]
        case "gt": [b.values[0]]
        case "ge": [b.values[0].nextDown]
        default: [b.values[0].nextDown, b.values[1].nextUp]
        }
    }

    /// Runs the claims stage on `metrics` (file -> its JSON text); the failure message, or nil if it passed.
    func runClaims(_ stage: Pipeline.Stage, metrics: [String: String]) throws -> String? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claims-fail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for dep in stage.spec.deps {
            let url = dir.appendingPathComponent(dep)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if let text = metrics[dep] { try Data(text.utf8).write(to: url) } else {
                try FileManager.default.copyItem(at: root.appendingPathComponent(dep), to: url)
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

    /// The metrics file `file` with `key` set to `value` (nil: removed).
    func rewritten(_ file: String, key: String, value: Double?) throws -> String {
        guard case .object(var o) = try JSONReader.parse(String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)),
              case .object(var m)? = o["metrics"] else { throw Unreadable(what: "\(file) is not a metrics file") }
        XCTAssertNotNil(m[key], "\(file) has no metric \(key)")
        m[key] = value.map { .double($0) }
        o["metrics"] = .object(m)
        return Value.object(o).canonicalJSON + "\n"
    }

    func testEveryClaimFailsJustPastItsBoundAndWhenItsMetricIsMissing() throws {
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind()]))
        let stage = try XCTUnwrap(pipeline.stages.first { $0.spec.kind == "claims" })
        XCTAssertNil(try runClaims(stage, metrics: [:]), "the committed metrics must satisfy every claim")
        let all = try bounds(stage)
        XCTAssertGreaterThanOrEqual(all.count, 40)
        for b in all {
            for v in pastTheBound(b) {
                let message = try runClaims(stage, metrics: [b.file: try rewritten(b.file, key: b.key, value: v)])
                XCTAssertEqual(message?.split(separator: "\n").count, 1, "\(b.id) at \(v): \(message ?? "passed")")
                XCTAssertTrue(message?.hasPrefix("claim \(b.id) does not hold: \(b.key) = ") ?? false, "\(b.id) at \(v): \(message ?? "passed")")
            }
            let missing = try runClaims(stage, metrics: [b.file: try rewritten(b.file, key: b.key, value: nil)])
            XCTAssertTrue(missing?.contains("claim \(b.id): metric '\(b.key)' is missing") ?? false, "\(b.id): \(missing ?? "passed")")
        }
    }
}

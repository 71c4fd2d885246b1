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
            if case .object(let bin)? = o["binomial"] {
                return Bound(id: id, file: parts[0], key: parts[1], op: "between", values: try binomialInterval(bin))
            }
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

    /// A `binomial: {p, n, level, tests}` claim's interval [k_lo/n, k_hi/n], computed here
    /// independently of the stage (pmf summed in log space, not GSL's CDF): the central
    /// acceptance region of Binomial(n, p), (1 − level)/tests split between the two tails.
    func binomialInterval(_ o: Value.Object) throws -> [Double] {
        func number(_ k: String, _ d: Double) -> Double {
            switch o[k] {
            case .int(let i)?: Double(i)
            case .double(let x)?: x
            default: d
            }
        }
        let p = number("p", .nan), n = Int(number("n", .nan)), level = number("level", 0.95), tests = number("tests", 1)
        guard p > 0, p < 1, n > 0 else { throw Unreadable(what: "a binomial bound without p and n: \(o)") }
        let tail = (1 - level) / tests / 2
        func lnGamma(_ x: Double) -> Double { let r: Double = lgamma(x); return r }
        let logNFact = lnGamma(Double(n + 1)), logP = log(p), logQ = log(1 - p)
        let pmf: [Double] = (0...n).map { (k: Int) -> Double in
            let logChoose: Double = logNFact - lnGamma(Double(k + 1)) - lnGamma(Double(n - k + 1))
            let logPower: Double = Double(k) * logP + Double(n - k) * logQ
            return exp(logChoose + logPower)
        }
        // k_lo: the largest k with P(X < k) ≤ tail; k_hi: the smallest k with P(X > k) ≤ tail.
        var below = 0.0, kLo = 0
        while below + pmf[kLo] <= tail { below += pmf[kLo]; kLo += 1 }
        var above = 0.0, kHi = n
        while above + pmf[kHi] <= tail { above += pmf[kHi]; kHi -= 1 }
        return [Double(kLo) / Double(n), Double(kHi) / Double(n)]
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
        let pipeline = try Pipeline.load(root: root, registry: KindRegistry(StageKinds.all + [ShellKind(), CSVConcatKind()]))
        let stage = try XCTUnwrap(pipeline.stages.first { $0.spec.kind == "claims" })
        XCTAssertNil(try runClaims(stage, metrics: [:]), "the committed metrics must satisfy every claim")
        let all = try bounds(stage)
        XCTAssertGreaterThanOrEqual(all.count, 40)
        guard case .array(let items)? = stage.spec.params["claims"] else { return XCTFail("no claims") }
        let binomial = items.filter { if case .object(let o) = $0 { o["binomial"] != nil } else { false } }
        XCTAssertGreaterThanOrEqual(binomial.count, 3, "fig4's and fig7's ≈ 1/2 claims are binomial intervals, covered here too")
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

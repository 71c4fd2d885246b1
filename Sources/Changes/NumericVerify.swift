import EngineCore
import StageAPI
import Foundation

/// `verify --numeric`: where an output's bytes differ from the lock's, compare
/// its numbers with the recorded bytes (from the cache by digest, or the
/// committed file at HEAD) within a tolerance: |new − old| ≤ atol + rtol·|old|.
public struct NumericVerdict: Sendable {
    public struct Item: Sendable {
        public var path: String
        public var detail: String
    }
    public var rtol: Double
    public var atol: Double
    /// Outputs whose bytes differ and whose numbers are all within the tolerance.
    public var withinTolerance: [Item] = []
    /// Numbers beyond the tolerance, or a structural difference (rows, columns, keys, text cells).
    public var beyond: [Item] = []
    /// Files that are not CSV or JSON (an SVG, a PDF): compared by bytes only.
    public var nonNumeric: [Item] = []
    /// No copy of the recorded bytes to compare with.
    public var noReference: [Item] = []
    /// Claims in the `claims.json` files present: (holding, total, failing ids).
    public var claimsHold = 0
    public var claimsTotal = 0
    public var claimsFailing: [String] = []

    public var differing: Int { withinTolerance.count + beyond.count + nonNumeric.count + noReference.count }
    public var passes: Bool { beyond.isEmpty && nonNumeric.isEmpty && noReference.isEmpty && claimsFailing.isEmpty }

    public var summary: String {
        var s = "\(differing) output\(differing == 1 ? "" : "s") differ in bytes"
        if differing > 0 {
            s += beyond.isEmpty && noReference.isEmpty
                ? "; every number within rtol \(Show.number(rtol)), atol \(Show.number(atol))"
                : "; \(beyond.count) beyond rtol \(Show.number(rtol)), atol \(Show.number(atol))"
            if !nonNumeric.isEmpty { s += "; \(nonNumeric.count) not numeric (bytes only)" }
            if !noReference.isEmpty { s += "; \(noReference.count) without the recorded bytes to compare" }
        }
        if claimsTotal > 0 {
            s += claimsFailing.isEmpty ? "; all \(claimsTotal) claims hold" : "; \(claimsFailing.count) of \(claimsTotal) claims fail (\(claimsFailing.joined(separator: ", ")))"
        }
        return s
    }

    public enum FileVerdict: Sendable {
        case within(String), beyond(String), nonNumeric(String), noReference(String)
    }

    /// One output whose bytes differ: its numbers against the recorded bytes.
    public static func compare(path: String, recorded: Data?, now: Data, sha256: String, rtol: Double, atol: Double) -> FileVerdict {
        let isCSV = path.hasSuffix(".csv"), isJSON = path.hasSuffix(".json")
        guard isCSV || isJSON else { return .nonNumeric("not CSV or JSON: its bytes differ") }
        guard let recorded else {
            return .noReference("the recorded bytes (sha256 \(sha256.prefix(12))…) are neither in the cache nor committed at HEAD")
        }
        if isCSV {
            guard let a = CSVText.parse(recorded), let b = CSVText.parse(now) else { return .beyond("not readable as CSV") }
            let c = TableComparison.compare(a, b, rtol: rtol, atol: atol)
            let maxAbs = c.columns.map(\.maxAbs).max() ?? 0, maxRel = c.columns.map(\.maxRel).max() ?? 0
            if c.withinTolerance { return .within("max |Δ| \(Show.short(maxAbs)), max rel \(Show.short(maxRel))") }
            var why: [String] = []
            if c.rowsAdded + c.rowsRemoved > 0 { why.append("rows differ (\(c.rowsAdded) added, \(c.rowsRemoved) removed): not numeric") }
            if !c.columnsAdded.isEmpty || !c.columnsRemoved.isEmpty { why.append("columns differ: not numeric") }
            for col in c.columns where col.outsideTolerance > 0 || col.nanMismatches > 0 {
                why.append("\(col.name): \(col.outsideTolerance) cells beyond tolerance (max |Δ| \(Show.short(col.maxAbs)), rel \(Show.short(col.maxRel)))"
                           + (col.nanMismatches > 0 ? ", \(col.nanMismatches) text/NaN cells differ" : ""))
            }
            return .beyond(why.joined(separator: "; "))
        }
        guard let a = try? JSONReader.parse(String(decoding: recorded, as: UTF8.self)),
              let b = try? JSONReader.parse(String(decoding: now, as: UTF8.self)) else { return .beyond("not readable as JSON") }
        let r = compareJSONNumerically(a, b, rtol: rtol, atol: atol)
        return r.problems.isEmpty ? .within("max |Δ| \(Show.short(r.maxAbs)), max rel \(Show.short(r.maxRel))")
            : .beyond(r.problems.joined(separator: "; "))
    }

    /// Compares the outputs `differing` (path, the lock's digest) on disk under
    /// `root` with their recorded bytes; reads every `claims.json` of `allOutputs`.
    public static func check(root: URL, differing: [(path: String, sha256: String)], allOutputs: [String],
                             rtol: Double, atol: Double) -> NumericVerdict {
        var v = NumericVerdict(rtol: rtol, atol: atol)
        let store = Store(root: root.appendingPathComponent(".repro/cache"))
        let git = Git(projectRoot: root)
        var committed: [String: Data] = [:]
        if let git, let head = try? git.commit("HEAD") {
            committed = (try? git.read(commit: head, paths: differing.map(\.path)).files) ?? [:]
        }
        for (path, sha) in differing {
            guard let now = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
                v.beyond.append(Item(path: path, detail: "missing")); continue
            }
            var recorded: Data? = nil
            if let d = FileManager.default.contents(atPath: store.objectURL(sha).path), FileHasher.hash(data: d) == sha { recorded = d }
            else if let d = committed[path], FileHasher.hash(data: d) == sha { recorded = d }
            switch compare(path: path, recorded: recorded, now: now, sha256: sha, rtol: rtol, atol: atol) {
            case .within(let d): v.withinTolerance.append(Item(path: path, detail: d))
            case .beyond(let d): v.beyond.append(Item(path: path, detail: d))
            case .nonNumeric(let d): v.nonNumeric.append(Item(path: path, detail: d))
            case .noReference(let d): v.noReference.append(Item(path: path, detail: d))
            }
        }
        for p in allOutputs where p.hasSuffix("claims.json") {
            guard let d = FileManager.default.contents(atPath: root.appendingPathComponent(p).path), let claims = ClaimRecord.parse(d) else { continue }
            for c in claims.values.sorted(by: { $0.id < $1.id }) {
                v.claimsTotal += 1
                if c.holds == true { v.claimsHold += 1 } else { v.claimsFailing.append(c.id) }
            }
        }
        return v
    }
}

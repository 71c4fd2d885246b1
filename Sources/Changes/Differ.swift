import EngineCore
import StageAPI
import Foundation
import Parallel

/// What changed between two sides, most important first.
public struct DiffReport: Sendable {
    public struct ClaimChange: Sendable {
        public enum Kind: String, Sendable { case flipped, changed, added, removed }
        public var kind: Kind
        public var id: String
        public var figure: String?
        public var old: ClaimRecord?
        public var new: ClaimRecord?
        public var file: String
    }
    public struct MetricChange: Sendable {
        public var file: String
        public var name: String
        public var old: Value?
        public var new: Value?
        /// new − old.
        public var abs: Double?
        /// (new − old) / |old|; nil when old is 0.
        public var rel: Double?
    }
    public struct StageChange: Sendable {
        public enum Kind: String, Sendable { case changed, added, removed }
        public var kind: Kind
        public var stage: String
        public var reasons: [String]
    }
    public struct TableChange: Sendable {
        public var file: String
        public var stage: String
        public var comparison: TableComparison?
        /// Why the table could not be compared row by row (one side absent, not CSV).
        public var note: String?
    }
    public struct FileChange: Sendable {
        public var file: String
        public var stage: String
        public var oldSHA: String?
        public var newSHA: String?
    }
    public struct Unavailable: Sendable {
        public var side: String
        public var file: String
        public var stage: String
        public var reason: String
    }

    public var a: Side
    public var b: Side
    public var claims: [ClaimChange] = []
    /// Claims compared (of the new side; of the old if the new has none).
    public var claimsCompared = 0
    public var metrics: [MetricChange] = []
    public var stages: [StageChange] = []
    public var tables: [TableChange] = []
    public var figures: [FileChange] = []
    public var otherOutputs: [FileChange] = []
    public var unavailable: [Unavailable] = []
    /// Stages of the working tree whose key no longer matches its repro.lock
    /// (pipeline.yaml, code or an input changed since they ran): the working
    /// tree side is what the lock records, not what they would now produce.
    public var workingTreeOutOfDate: [String] = []

    public var flips: [ClaimChange] { claims.filter { $0.kind == .flipped } }
    public var isEmpty: Bool {
        claims.isEmpty && metrics.isEmpty && stages.isEmpty && tables.isEmpty && figures.isEmpty && otherOutputs.isEmpty && unavailable.isEmpty
    }

    /// 0: no difference; 6: differences, no claim flipped; 7: a claim flipped
    /// (or one that held is gone). (5 is exec-stage's.)
    public var exitCode: Int32 {
        if claims.contains(where: { $0.kind == .flipped || ($0.kind == .removed && $0.old?.holds == true) }) { return ExitStatus.claimFlipped.rawValue }
        return isEmpty ? ExitStatus.success.rawValue : ExitStatus.differences.rawValue
    }
}

public enum Differ {
    /// Compares two sides: stages by key (with `repro why`'s reasons from the
    /// key fields both locks record), then every output whose digest differs,
    /// by what it is: `claims.json`, `metrics.json`, CSV tables, SVG figures, others.
    public static func diff(_ a: Side, _ b: Side) throws -> DiffReport {
        var r = DiffReport(a: a, b: b)
        let names = Set(a.lock.stages.keys).union(b.lock.stages.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var outsA: [String: (stage: String, sha: String)] = [:], outsB = outsA
        for n in names {
            let ea = a.lock.stages[n], eb = b.lock.stages[n]
            for o in ea?.outs ?? [] { outsA[o.path] = (n, o.output.sha256) }
            for o in eb?.outs ?? [] { outsB[o.path] = (n, o.output.sha256) }
            switch (ea, eb) {
            case (let x?, let y?) where x.key != y.key:
                var reasons = y.fields.changes(since: x.fields)
                if reasons.isEmpty { reasons = ["key changed (\(x.key.prefix(12)) → \(y.key.prefix(12)))"] }
                r.stages.append(.init(kind: .changed, stage: n, reasons: reasons))
            case (nil, _?): r.stages.append(.init(kind: .added, stage: n, reasons: []))
            case (_?, nil): r.stages.append(.init(kind: .removed, stage: n, reasons: []))
            default: break
            }
        }
        let paths = Set(outsA.keys).union(outsB.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let changed = paths.filter { outsA[$0]?.sha != outsB[$0]?.sha }
        func analysed(_ p: String) -> Bool {
            p.hasSuffix("claims.json") || p.hasSuffix("metrics.json") || p.hasSuffix(".csv")
        }
        let wanted = changed.filter(analysed)
        // Both sides at once (two `git cat-file` processes inflating objects).
        let wantA = wanted.compactMap { p in outsA[p].map { (p, $0.sha) } }, wantB = wanted.compactMap { p in outsB[p].map { (p, $0.sha) } }
        nonisolated(unsafe) var readA: Result<[String: Side.Content], Error> = .success([:])
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { readA = Result { try a.contents(wantA) } }
        let cb = try b.contents(wantB)
        group.wait()
        let ca = try readA.get()
        func bytes(_ c: [String: Side.Content], _ p: String, side: Side, stage: String) -> Data? {
            switch c[p] {
            case .bytes(let d)?: return d
            case .unavailable(let why)?:
                r.unavailable.append(.init(side: side.label, file: p, stage: stage, reason: why))
                return nil
            case nil: return nil
            }
        }
        var csvJobs: [(Int, Data, Data)] = []
        for p in changed {
            let stage = outsB[p]?.stage ?? outsA[p]!.stage
            let fileChange = DiffReport.FileChange(file: p, stage: stage, oldSHA: outsA[p]?.sha, newSHA: outsB[p]?.sha)
            if p.hasSuffix(".svg") { r.figures.append(fileChange); continue }
            guard analysed(p) else { r.otherOutputs.append(fileChange); continue }
            let da = outsA[p] == nil ? nil : bytes(ca, p, side: a, stage: stage)
            let db = outsB[p] == nil ? nil : bytes(cb, p, side: b, stage: stage)
            let availableA = outsA[p] == nil || da != nil, availableB = outsB[p] == nil || db != nil
            if p.hasSuffix("claims.json"), availableA, availableB,
               let x = da.map(ClaimRecord.parse) ?? [:], let y = db.map(ClaimRecord.parse) ?? [:] {
                r.claimsCompared += max(x.count, y.count)
                r.claims += claimChanges(x, y, file: p)
            } else if p.hasSuffix("metrics.json"), availableA, availableB,
                      let x = da.map(parseMetrics) ?? [:], let y = db.map(parseMetrics) ?? [:] {
                r.metrics += metricChanges(x, y, file: p)
            } else if p.hasSuffix(".csv") {
                if let da, let db {
                    csvJobs.append((r.tables.count, da, db))
                    r.tables.append(.init(file: p, stage: stage, comparison: nil, note: "not readable as CSV"))
                } else {
                    func rows(_ d: Data?) -> String { d.flatMap(CSVText.parse).map { ", \($0.rowCount) rows × \($0.header.count) columns" } ?? "" }
                    let note = outsA[p] == nil ? "new table" + rows(db) : outsB[p] == nil ? "table removed" + rows(da)
                        : (da == nil || db == nil) ? "not available on both sides" : "not readable as CSV"
                    r.tables.append(.init(file: p, stage: stage, comparison: nil, note: note))
                }
            } else {
                r.otherOutputs.append(fileChange)
            }
        }
        // Tables in parallel (the big ones dominate a diff's time).
        let jobs = csvJobs
        let compared = try parallelMap(count: jobs.count, threads: ProcessInfo.processInfo.activeProcessorCount) { k -> TableComparison? in
            let (_, da, db) = jobs[k]
            guard let x = CSVText.parse(da), let y = CSVText.parse(db) else { return nil }
            return TableComparison.compare(x, y)
        }
        for (k, job) in csvJobs.enumerated() where compared[k] != nil {
            r.tables[job.0].comparison = compared[k]
            r.tables[job.0].note = nil
        }
        let order: [DiffReport.ClaimChange.Kind: Int] = [.flipped: 0, .changed: 1, .added: 2, .removed: 3]
        r.claims.sort { (order[$0.kind]!, $0.file, $0.id) < (order[$1.kind]!, $1.file, $1.id) }
        return r
    }

    static func claimChanges(_ a: [String: ClaimRecord], _ b: [String: ClaimRecord], file: String) -> [DiffReport.ClaimChange] {
        var out: [DiffReport.ClaimChange] = []
        for id in Set(a.keys).union(b.keys).sorted() {
            switch (a[id], b[id]) {
            case (let x?, let y?):
                if x.holds != y.holds {
                    out.append(.init(kind: .flipped, id: id, figure: y.figure ?? x.figure, old: x, new: y, file: file))
                } else if x.value != y.value || x.bound != y.bound {
                    out.append(.init(kind: .changed, id: id, figure: y.figure ?? x.figure, old: x, new: y, file: file))
                }
            case (nil, let y?): out.append(.init(kind: .added, id: id, figure: y.figure, old: nil, new: y, file: file))
            case (let x?, nil): out.append(.init(kind: .removed, id: id, figure: x.figure, old: x, new: nil, file: file))
            default: break
            }
        }
        return out
    }

    static func metricChanges(_ a: [String: Value], _ b: [String: Value], file: String) -> [DiffReport.MetricChange] {
        var out: [DiffReport.MetricChange] = []
        for name in Set(a.keys).union(b.keys).sorted() {
            let x = a[name], y = b[name]
            if x == y { continue }
            var m = DiffReport.MetricChange(file: file, name: name, old: x, new: y)
            if let u = x?.number, let v = y?.number, u.isFinite, v.isFinite { m.abs = v - u; m.rel = u == 0 ? nil : (v - u) / Swift.abs(u) }
            out.append(m)
        }
        return out
    }
}

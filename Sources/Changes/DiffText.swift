import EngineCore
import StageAPI
import Foundation

/// How numbers and values are shown (deterministic: no locale).
enum Show {
    static func value(_ v: Value?) -> String {
        guard let v else { return "—" }
        switch v {
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return v.canonicalJSON
        }
    }
    /// Shortest round-trip form (1.0 → 1).
    static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), Swift.abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }
    /// 3 significant digits, for deltas.
    static func short(_ d: Double) -> String {
        if d == 0 { return "0" }
        return String(format: "%.3g", d)
    }
    static func signed(_ d: Double) -> String { (d > 0 ? "+" : "") + short(d) }
    static func holds(_ h: Bool?) -> String { h.map { $0 ? "holds" : "fails" } ?? "—" }
    static func plural(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
}

extension DiffReport {
    /// The report for people: one section per kind of change, most important first.
    public var text: String {
        var s = "repro diff: \(a.label) → \(b.label)\n"
        if !workingTreeOutOfDate.isEmpty {
            let n = workingTreeOutOfDate.count
            s += "note: \(n) stage\(n == 1 ? " is" : "s are") out of date in the working tree (\(workingTreeOutOfDate.prefix(3).joined(separator: ", "))\(n > 3 ? ", …" : "")): "
            s += "this compares what repro.lock records; run `repro all` (or an experiment) to see their new outputs\n"
        }
        if isEmpty { return s + "no differences: every stage has the same key and every output the same bytes\n" }
        if !claims.isEmpty || claimsCompared > 0 {
            let n = claims.filter { $0.kind == .changed }.count
            s += "\nclaims: \(flips.count) flipped, \(n) changed value, \(claims.count - flips.count - n) added or removed (of \(claimsCompared))\n"
            for c in claims {
                let bound = (c.new ?? c.old)?.bound.map { ", bound \($0)" } ?? ""
                switch c.kind {
                case .flipped:
                    s += "  FLIPPED  \(c.id): \(Show.holds(c.old?.holds)) → \(Show.holds(c.new?.holds)), value \(Show.value(c.old?.value)) → \(Show.value(c.new?.value))\(bound)\n"
                case .changed:
                    var d = ""
                    if let u = c.old?.value?.number, let v = c.new?.value?.number, u.isFinite, v.isFinite { d = " (Δ \(Show.signed(v - u)))" }
                    s += "  changed  \(c.id): \(Show.value(c.old?.value)) → \(Show.value(c.new?.value))\(d)\(bound), still \(Show.holds(c.new?.holds))\n"
                case .added: s += "  added    \(c.id): \(Show.value(c.new?.value))\(bound), \(Show.holds(c.new?.holds))\n"
                case .removed: s += "  removed  \(c.id) (was \(Show.value(c.old?.value)), \(Show.holds(c.old?.holds)))\n"
                }
            }
        }
        if !metrics.isEmpty {
            s += "\nmetrics: \(metrics.count) changed\n"
            for m in metrics {
                var d = ""
                if let abs = m.abs { d = " (Δ \(Show.signed(abs))" + (m.rel.map { ", \(Show.signed($0 * 100))%" } ?? "") + ")" }
                s += "  \(m.file) \(m.name): \(Show.value(m.old)) → \(Show.value(m.new))\(d)\n"
            }
        }
        if !stages.isEmpty {
            s += "\nstages: \(stages.filter { $0.kind == .changed }.count) with a new key, \(stages.filter { $0.kind == .added }.count) added, \(stages.filter { $0.kind == .removed }.count) removed\n"
            // Stages with the same reasons (a matrix's cells after a code change) on one line.
            var groups: [(reasons: [String], kind: StageChange.Kind, names: [String])] = []
            var at: [String: Int] = [:]
            for c in stages {
                let k = c.kind.rawValue + "\u{1F}" + c.reasons.joined(separator: "\u{1E}")
                if let i = at[k] { groups[i].names.append(c.stage) } else { at[k] = groups.count; groups.append((c.reasons, c.kind, [c.stage])) }
            }
            for g in groups {
                let names = g.names.count <= 3 ? g.names.joined(separator: ", ")
                    : g.names.prefix(2).joined(separator: ", ") + " and \(g.names.count - 2) more"
                switch g.kind {
                case .added: s += "  added    \(names)\n"
                case .removed: s += "  removed  \(names)\n"
                case .changed:
                    s += "  \(names):\n"
                    for r in g.reasons { s += "    - \(r)\n" }
                }
            }
        }
        if !tables.isEmpty {
            s += "\ntables: \(tables.count) changed\n"
            for t in tables {
                guard let c = t.comparison else { s += "  \(t.file): \(t.note ?? "")\n"; continue }
                var parts: [String] = []
                if c.rowsAdded + c.rowsRemoved > 0 { parts.append("\(c.rowsAdded) rows added, \(c.rowsRemoved) removed") }
                parts.append("\(c.rowsMatched) matched" + (c.keyColumns.isEmpty ? " by position" : " by \(c.keyColumns.joined(separator: ", "))"))
                if !c.columnsAdded.isEmpty { parts.append("columns added: \(c.columnsAdded.joined(separator: ", "))") }
                if !c.columnsRemoved.isEmpty { parts.append("columns removed: \(c.columnsRemoved.joined(separator: ", "))") }
                s += "  \(t.file): \(parts.joined(separator: "; "))\n"
                let diff = c.changedColumns
                if diff.isEmpty {
                    s += c.rowsAdded + c.rowsRemoved + c.columnsAdded.count + c.columnsRemoved.count > 0
                        ? "    the matched rows' numbers are equal\n" : "    every number equal (the bytes differ in form only)\n"
                } else if diff.allSatisfy({ $0.nanMismatches == 0 && $0.maxRel <= 1e-12 }) && c.rowsAdded + c.rowsRemoved == 0 {
                    s += "    bytes differ, every number within 1e-12 (relative; largest |Δ| \(Show.short(diff.map(\.maxAbs).max()!)))\n"
                } else {
                    for col in diff {
                        s += "    \(col.name): \(col.cellsDiffering) cells differ, max |Δ| \(Show.short(col.maxAbs)), max rel \(Show.short(col.maxRel))"
                        s += col.nanMismatches > 0 ? ", \(col.nanMismatches) NaN/inf against a number\n" : "\n"
                    }
                }
            }
        }
        if !figures.isEmpty {
            s += "\nfigures: \(figures.count) changed\n"
            for f in figures { s += "  \(f.file)\(f.oldSHA == nil ? " (new)" : f.newSHA == nil ? " (removed)" : "")\n" }
        }
        if !otherOutputs.isEmpty {
            s += "\nother outputs: \(otherOutputs.count) changed\n"
            for f in otherOutputs { s += "  \(f.file)\(f.oldSHA == nil ? " (new)" : f.newSHA == nil ? " (removed)" : "")\n" }
        }
        if !unavailable.isEmpty {
            s += "\nnot available (not compared):\n"
            for u in unavailable { s += "  \(u.file) in \(u.side) (stage \(u.stage)): \(u.reason)\n" }
        }
        return s
    }
}

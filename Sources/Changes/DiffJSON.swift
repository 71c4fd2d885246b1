import EngineCore
import StageAPI
import Foundation

/// `repro diff --json`: schema "repro-diff/1" (README, "Changing the paper").
/// Keys sorted, two-space indentation, LF; numbers in canonical JSON form
/// (NaN and ±inf as the strings "NaN", "Infinity", "-Infinity"); absent
/// values are null. Fields are only ever added within version 1.
extension DiffReport {
    public var json: String {
        func str(_ s: String?) -> Value { s.map(Value.string) ?? .null }
        func num(_ d: Double?) -> Value { d.map(Value.double) ?? .null }
        func obj(_ pairs: [(String, Value)]) -> Value { .object(Value.Object(pairs)) }
        func claim(_ c: ClaimRecord?) -> Value {
            guard let c else { return .null }
            return obj([("value", c.value ?? .null), ("holds", c.holds.map(Value.bool) ?? .null), ("bound", str(c.bound))])
        }
        func side(_ s: Side) -> Value { obj([("ref", .string(s.ref)), ("label", .string(s.label)), ("commit", str(s.commit))]) }
        func file(_ f: FileChange) -> Value {
            obj([("file", .string(f.file)), ("stage", .string(f.stage)), ("old_sha256", str(f.oldSHA)), ("new_sha256", str(f.newSHA))])
        }
        let root = obj([
            ("schema", .string("repro-diff/1")),
            ("a", side(a)), ("b", side(b)),
            ("exit_code", .int(Int(exitCode))),
            ("summary", obj([
                ("claims_flipped", .int(flips.count)),
                ("claims_changed", .int(claims.filter { $0.kind == .changed }.count)),
                ("claims_compared", .int(claimsCompared)),
                ("metrics_changed", .int(metrics.count)),
                ("stages_changed", .int(stages.count)),
                ("tables_changed", .int(tables.count)),
                ("figures_changed", .int(figures.count)),
                ("other_outputs_changed", .int(otherOutputs.count)),
                ("unavailable", .int(unavailable.count)),
            ])),
            ("claims", .array(claims.map { c in
                obj([("change", .string(c.kind.rawValue)), ("id", .string(c.id)), ("figure", str(c.figure)), ("file", .string(c.file)),
                     ("old", claim(c.old)), ("new", claim(c.new))])
            })),
            ("metrics", .array(metrics.map { m in
                obj([("file", .string(m.file)), ("name", .string(m.name)), ("old", m.old ?? .null), ("new", m.new ?? .null),
                     ("abs_delta", num(m.abs)), ("rel_delta", num(m.rel))])
            })),
            ("stages", .array(stages.map { s in
                obj([("stage", .string(s.stage)), ("change", .string(s.kind.rawValue)), ("reasons", .array(s.reasons.map(Value.string)))])
            })),
            ("tables", .array(tables.map { t in
                guard let c = t.comparison else {
                    return obj([("file", .string(t.file)), ("stage", .string(t.stage)), ("note", str(t.note))])
                }
                return obj([
                    ("file", .string(t.file)), ("stage", .string(t.stage)), ("note", .null),
                    ("key_columns", .array(c.keyColumns.map(Value.string))),
                    ("columns_added", .array(c.columnsAdded.map(Value.string))),
                    ("columns_removed", .array(c.columnsRemoved.map(Value.string))),
                    ("rows_added", .int(c.rowsAdded)), ("rows_removed", .int(c.rowsRemoved)), ("rows_matched", .int(c.rowsMatched)),
                    ("columns", .array(c.changedColumns.map { col in
                        obj([("name", .string(col.name)), ("cells_differing", .int(col.cellsDiffering)),
                             ("max_abs_delta", .double(col.maxAbs)), ("max_rel_delta", .double(col.maxRel)),
                             ("nan_mismatches", .int(col.nanMismatches))])
                    })),
                ])
            })),
            ("figures", .array(figures.map(file))),
            ("other_outputs", .array(otherOutputs.map(file))),
            ("working_tree_out_of_date", .array(workingTreeOutOfDate.map(Value.string))),
            ("unavailable", .array(unavailable.map { u in
                obj([("side", .string(u.side)), ("file", .string(u.file)), ("stage", .string(u.stage)), ("reason", .string(u.reason))])
            })),
        ])
        var out = ""
        PrettyJSON.write(root, indent: 0, into: &out)
        return out + "\n"
    }
}

/// Sorted keys (Value.Object keeps them so), two-space indentation; scalars in canonical JSON.
enum PrettyJSON {
    static func write(_ v: Value, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2), end = String(repeating: " ", count: indent)
        switch v {
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (i, x) in a.enumerated() {
                out += pad
                write(x, indent: indent + 2, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += end + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            for (i, e) in o.entries.enumerated() {
                out += pad
                Value.writeJSONString(e.key, into: &out)
                out += ": "
                write(e.value, indent: indent + 2, into: &out)
                out += i == o.entries.count - 1 ? "\n" : ",\n"
            }
            out += end + "}"
        default:
            out += v.canonicalJSON
        }
    }
}

import Foundation
import StageAPI
import ProcessSpawn

/// `repro log`'s table: one aligned row per run record.
public enum RunTable {
    public static let columns = ["start (UTC)", "stage", "outcome", "try", "executor", "host", "wall", "cpu", "peak mem", "cpus", "exit", "notes"]

    public static func render(_ records: [RunRecord]) -> String {
        let rows = [columns] + records.map(row)
        // Numbers right-aligned, text left-aligned; the last column is not padded.
        let numeric: Set<Int> = [3, 6, 7, 8, 9, 10]
        let widths = columns.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in
            r.indices.map { c -> String in
                if c == r.count - 1 { return r[c] }
                let pad = String(repeating: " ", count: widths[c] - r[c].count)
                return numeric.contains(c) ? pad + r[c] : r[c] + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    static func row(_ r: RunRecord) -> [String] {
        let a = r.attempt
        let notes = [a.state, a.jobID.map { "job \($0)" }, a.reason].compactMap { $0 }.joined(separator: "; ")
        let start = RunRecord.iso8601(a.start).replacingOccurrences(of: "T", with: " ")
        return [String(start.prefix(19)), Diagnostics.visible(r.stage), r.outcome, String(a.attempt), r.executor, Diagnostics.visible(a.host),
                seconds(a.wallSeconds), a.cpuSeconds.map(seconds) ?? "-",
                a.maxRSSKiB.map { memory($0) + (r.rssScope == "process" ? "*" : " ") } ?? "-",
                r.cpus.map(String.init) ?? "-", String(a.exitStatus), Diagnostics.visible(notes)]
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? String(format: "%.2f s", s) : s < 600 ? String(format: "%.1f s", s) : String(format: "%.1f min", s / 60)
    }

    static func memory(_ kib: Int) -> String {
        kib < 10 * 1024 ? "\(kib) KiB" : kib < 10 * 1024 * 1024 ? "\(kib / 1024) MiB" : String(format: "%.1f GiB", Double(kib) / 1048576)
    }
}

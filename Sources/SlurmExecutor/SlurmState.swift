import Foundation
import EngineCore
import StageAPI
import ProcessSpawn

/// How one job, or one task of a job array, ended, as Slurm reports it.
struct SlurmTaskState: Sendable, Equatable {
    /// `COMPLETED`, `FAILED`, `NODE_FAIL`, ... (`UNKNOWN` if Slurm forgot the job).
    var state: String
    /// `EXIT:SIGNAL`, e.g. `0:0`, `7:0`, `0:9`.
    var exitCode: String
    /// The node its batch script ran on, if known.
    var host: String?
    /// Slurm's `Reason=` (why it is pending or why it failed), if any.
    var reason: String?

    var succeeded: Bool { state == "COMPLETED" && exitCode == "0:0" }

    /// The exit status of the attempt: the script's, 128 + a signal, or 1 for a
    /// scheduler's failure that left `0:0` (NODE_FAIL, CANCELLED before start).
    var exitStatus: Int {
        if succeeded { return 0 }
        let parts = exitCode.split(separator: ":").map { Int($0) }
        if let code = parts.first ?? nil, code != 0 { return code }
        if parts.count > 1, let sig = parts[1], sig != 0 { return 128 + sig }
        return 1
    }

    /// States a job never leaves (squeue stops listing it; the record is final).
    static let final: Set<String> = ["BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
                                      "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT"]
    var isFinal: Bool { Self.final.contains(state) }
}

/// Reading squeue, scontrol and sacct output per task of a job array. A plain
/// (non-array) job is task 0 of itself.
enum SlurmStates {
    /// `squeue -h -r -j JOB -o '%i %T'`: the tasks still queued or running and
    /// their states. Pending tasks Slurm has not split yet print as `JOB_[3-9%4]`.
    static func parseQueue(_ text: String, job: String) -> [Int: String] {
        var out: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 2 else { continue }
            let id = String(f[0]), state = String(f[1])
            for t in tasks(of: id, job: job) { out[t] = state }
        }
        return out
    }

    /// The task indices an id names: `JOB` → [0], `JOB_4` → [4], `JOB_[1-3,7%2]` → [1, 2, 3, 7].
    static func tasks(of id: String, job: String) -> [Int] {
        if id == job { return [0] }
        guard id.hasPrefix(job + "_") else { return [] }
        var rest = id.dropFirst(job.count + 1)
        if let n = Int(rest) { return [n] }
        guard rest.hasPrefix("["), rest.hasSuffix("]") else { return [] }
        rest = rest.dropFirst().dropLast()
        if let pct = rest.firstIndex(of: "%") { rest = rest[..<pct] }
        return ranges(String(rest)) ?? []
    }

    /// `1-3,7` → [1, 2, 3, 7]; nil if malformed or implausibly large.
    static func ranges(_ s: String) -> [Int]? {
        var out: [Int] = []
        for part in s.split(separator: ",") {
            let ends = part.split(separator: "-").map { Int($0) }
            guard let a = ends.first ?? nil, a >= 0 else { return nil }
            let b = ends.count == 2 ? ends[1] : a
            guard let b, b >= a, b - a < 1_000_000, ends.count <= 2 else { return nil }
            out += Array(a...b)
        }
        return out
    }

    /// `scontrol -o show job JOB`: one line per task record. A record whose
    /// ArrayTaskId is a range is the not-yet-split pending remainder: skipped.
    static func parseRecords(_ text: String, job: String) -> [Int: SlurmTaskState] {
        var out: [Int: SlurmTaskState] = [:]
        for line in text.split(separator: "\n") {
            var fields: [Substring: Substring] = [:]
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let eq = token.firstIndex(of: "=") else { continue }
                let key = token[..<eq]
                if fields[key] == nil { fields[key] = token[token.index(after: eq)...] }
            }
            let task: Int
            if let array = fields["ArrayJobId"], let index = fields["ArrayTaskId"] {
                guard array == job, let n = Int(index) else { continue }
                task = n
            } else {
                guard fields["JobId"].map(String.init) == job else { continue }
                task = 0
            }
            guard let state = fields["JobState"] else { continue }
            let host = fields["BatchHost"].map(String.init) ?? fields["NodeList"].map(String.init)
            out[task] = SlurmTaskState(state: String(state), exitCode: fields["ExitCode"].map(String.init) ?? "?",
                                       host: host.flatMap { $0.isEmpty || $0 == "(null)" ? nil : $0 },
                                       reason: fields["Reason"].flatMap { $0 == "None" ? nil : String($0) })
        }
        return out
    }

    /// `sacct -n -P -X -j JOB -o JobID,State,ExitCode,NodeList` (when slurmctld
    /// has already forgotten the job and accounting is on). States such as
    /// `CANCELLED by 0` keep their first word.
    static func parseAccounting(_ text: String, job: String) -> [Int: SlurmTaskState] {
        var out: [Int: SlurmTaskState] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4 else { continue }
            let ts = tasks(of: f[0], job: job)
            guard ts.count == 1 else { continue }
            let state = f[1].split(separator: " ").first.map(String.init) ?? ""
            out[ts[0]] = SlurmTaskState(state: state, exitCode: f[2], host: f[3].isEmpty || f[3] == "None assigned" ? nil : f[3], reason: nil)
        }
        return out
    }

    /// The job id `sbatch --parsable` printed (`1234` or `1234;cluster`).
    static func parseSubmitted(_ text: String) -> String? {
        let id = text.split(separator: "\n").last.flatMap { $0.split(separator: ";").first }.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        return !id.isEmpty && id.allSatisfy { $0.isASCII && $0.isNumber } ? id : nil
    }
}

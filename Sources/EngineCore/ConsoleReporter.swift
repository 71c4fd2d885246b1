import Foundation
import Synchronization
import StageAPI
import ProcessSpawn

/// Prints a run for people: a line for each stage that runs, fails, is
/// skipped or cancelled, and why; up-to-date and restored stages only counted
/// in the summary (a line each with `verbose`), so the output grows with the
/// work done, not with the pipeline. On a terminal, a live status line
/// (running stages, percent, ETA) redrawn in place. Elsewhere (CI, pipes):
/// plain lines only, and progress of long stages at most every 10% / 15 s.
/// Colour only on a terminal and only without NO_COLOR.
public final class ConsoleReporter: RunReporter {
    private struct Running {
        var started: Date
        var fraction: Double = 0
        var note = ""
        var lastPrinted: Date
        var lastPrintedFraction = 0.0
    }

    private let state = Mutex<[String: Running]>([:])
    private let tty: Bool
    private let color: Bool
    private let quiet: Bool
    private let verbose: Bool
    private let statusLineShown = Atomic<Bool>(false)

    /// - Parameters:
    ///   - quiet: no "run NAME (why)" line as a stage starts; outcomes only.
    ///   - verbose: a line for every stage, up to date and restored ones too.
    public init(quiet: Bool = false, verbose: Bool = false) {
        tty = isatty(STDOUT_FILENO) == 1
        color = tty && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        self.quiet = quiet
        self.verbose = verbose
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    private func emit(_ line: String) {
        var out = ""
        if tty, statusLineShown.load(ordering: .relaxed) { out += "\r\u{1B}[K" }
        out += line + "\n"
        if tty { out += statusLine() }
        ConsoleOutput.out(out)
    }

    private func statusLine() -> String {
        let running = state.withLock { $0 }
        guard !running.isEmpty else { statusLineShown.store(false, ordering: .relaxed); return "" }
        let now = Date()
        let parts = running.keys.sorted().map { name -> String in
            let r = running[name]!
            var s = name
            if r.fraction > 0 {
                s += String(" \(Int(r.fraction * 100))%")
                let elapsed = now.timeIntervalSince(r.started)
                if r.fraction > 0.02 && elapsed > 2 { s += " ETA \(Self.duration(elapsed * (1 - r.fraction) / r.fraction))" }
            }
            return s
        }
        statusLineShown.store(true, ordering: .relaxed)
        let line = "… " + parts.joined(separator: " | ")
        let width = Int(Self.terminalWidth())
        return String(line.prefix(max(20, width - 1)))
    }

    static func terminalWidth() -> UInt16 {
        var w = winsize()
        return ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0 && w.ws_col > 0 ? w.ws_col : 100
    }

    public func started(_ name: String, restoring: Bool, reasons: [String], position: Int, total: Int) {
        let now = Date()
        state.withLock { $0[name] = Running(started: now, lastPrinted: now) }
        guard !restoring, !quiet else { return }
        let shown = reasons.prefix(3).map { $0.count > 160 ? String($0.prefix(157)) + "…" : $0 }
        let why = reasons.isEmpty ? "" : paint("  (\(shown.joined(separator: "; "))\(reasons.count > 3 ? "; …" : ""))", "2")
        emit("\(paint("run", "1;34"))      \(name)\(why)")
    }

    public func progress(_ name: String, fraction: Double, note: String) {
        let now = Date()
        let line: String? = state.withLock { s in
            guard var r = s[name] else { return nil }
            r.fraction = fraction
            r.note = note
            defer { s[name] = r }
            if tty { return "" }
            // Plain output: every 10% and at most every 15 s.
            guard fraction - r.lastPrintedFraction >= 0.1 || now.timeIntervalSince(r.lastPrinted) >= 15 else { return nil }
            r.lastPrinted = now
            r.lastPrintedFraction = fraction
            let elapsed = now.timeIntervalSince(r.started)
            let eta = fraction > 0.02 && elapsed > 2 ? ", ETA \(Self.duration(elapsed * (1 - fraction) / fraction))" : ""
            return "         \(name): \(Int(fraction * 100))%\(note.isEmpty ? "" : " " + note)\(eta)"
        }
        guard let line else { return }
        if tty {
            ConsoleOutput.out(("\r\u{1B}[K" + statusLine()))
        } else {
            emit(line)
        }
    }

    public func log(_ name: String, _ line: String) {
        emit("  [\(name)] \(line)")
    }

    public func finished(_ result: StageResult, position: Int, total: Int) {
        state.withLock { _ = $0.removeValue(forKey: result.name) }
        let counter = "[\(String(repeating: " ", count: max(0, String(total).count - String(position).count)))\(position)/\(total)]"
        let time = result.seconds >= 0.05 ? paint("  \(Self.duration(result.seconds))", "2") : ""
        let countedOnly: Bool = switch result.outcome {
        case .upToDate, .restored, .restoredRemote: !verbose
        default: false
        }
        if countedOnly {
            // Counted in the summary; the status line loses the stage.
            if tty, statusLineShown.load(ordering: .relaxed) { ConsoleOutput.out(("\r\u{1B}[K" + statusLine())) }
            return
        }
        switch result.outcome {
        case .upToDate:
            emit("\(counter) up to date  \(result.name)")
        case .restored:
            let why = result.reasons.isEmpty ? "" : "; " + result.reasons.prefix(3).map { $0.count > 160 ? String($0.prefix(157)) + "…" : $0 }.joined(separator: "; ")
            emit("\(counter) \(paint("restored", "36"))    \(result.name)  (from cache\(why))")
        case .restoredRemote:
            emit("\(counter) \(paint("restored (remote)", "36"))  \(result.name)")
        case .ran:
            emit("\(counter) \(paint("ok", "32"))          \(result.name)\(time)")
        case .failed(let msg):
            emit("\(counter) \(paint("FAILED", "1;31"))      \(result.name): \(msg)")
        case .skipped(let why):
            emit("\(counter) \(paint("skipped", "33"))     \(result.name): \(why)")
        case .cancelled:
            emit("\(counter) \(paint("cancelled", "33"))   \(result.name)")
        case .wouldRestore:
            emit("would restore  \(result.name)  (\(result.reasons.joined(separator: "; ")))")
        case .wouldRun:
            emit("would run      \(result.name)  (\(result.reasons.joined(separator: "; ")))")
        }
    }

    public func message(_ text: String) { emit(text) }

    /// The end-of-run table: what ran or was restored, with times, then totals.
    public func summary(_ s: RunSummary) {
        var lines: [String] = []
        let shown = s.results.filter {
            switch $0.outcome {
            case .upToDate: false
            case .restored, .restoredRemote: verbose
            default: true
            }
        }
        if !shown.isEmpty && shown.count <= 60 && !s.results.contains(where: { $0.outcome == .wouldRun || $0.outcome == .wouldRestore }) {
            let w = max(5, min(60, shown.map(\.name.count).max() ?? 10))
            lines.append("")
            let lw = max(12, shown.map(\.outcome.label.count).max() ?? 12)
            lines.append("stage".padding(toLength: w, withPad: " ", startingAt: 0) + "  " + "result".padding(toLength: lw, withPad: " ", startingAt: 0) + "  time")
            for r in shown {
                let t = r.outcome == .ran || r.outcome == .restored || r.outcome == .restoredRemote ? Self.duration(r.seconds) : "-"
                lines.append(r.name.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + r.outcome.label.padding(toLength: lw, withPad: " ", startingAt: 0) + "  " + t)
            }
        }
        var counts: [String] = []
        var tally: [(String, Int)] = []
        for r in s.results {
            let label: String
            switch r.outcome {
            case .ran: label = "ran"
            case .restored: label = "restored from cache"
            case .restoredRemote: label = "restored (remote)"
            case .upToDate: label = "up to date"
            case .wouldRun: label = "would run"
            case .wouldRestore: label = "would restore"
            case .failed: label = "failed"
            case .skipped: label = "skipped"
            case .cancelled: label = "cancelled"
            }
            if let at = tally.firstIndex(where: { $0.0 == label }) { tally[at].1 += 1 } else { tally.append((label, 1)) }
        }
        let order = ["ran", "restored from cache", "restored (remote)", "up to date", "would run", "would restore", "failed", "skipped", "cancelled"]
        for label in order { if let t = tally.first(where: { $0.0 == label }) { counts.append("\(t.1) \(label)") } }
        if !s.unsandboxed.isEmpty {
            lines.append(paint("without a sandbox (sandbox: none or --no-sandbox): \(s.unsandboxed.count) shell stage\(s.unsandboxed.count == 1 ? "" : "s") ran unsandboxed, so undeclared reads were not prevented", "33"))
        }
        lines.append((s.interrupted ? "interrupted: " : "") + (counts.isEmpty ? "nothing to do" : counts.joined(separator: ", ")) + " in \(Self.duration(s.seconds))")
        emit(lines.joined(separator: "\n"))
    }

    public static func duration(_ t: Double) -> String {
        if t < 1 { return "\(Int((t * 1000).rounded())) ms" }
        if t < 60 { return "\((t * 10).rounded() / 10) s" }
        let m = Int(t) / 60, sec = Int(t) % 60
        return m < 60 ? "\(m) min \(sec) s" : "\(m / 60) h \(m % 60) min"
    }
}

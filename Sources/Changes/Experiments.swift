import Engine
import Foundation

/// The experiments of a project: workspaces under `.repro/exp/NAME`.
public struct Experiments: Sendable {
    public let projectRoot: URL
    public var dir: URL { projectRoot.appendingPathComponent(".repro/exp") }

    public init(projectRoot: URL) { self.projectRoot = projectRoot }

    public struct Workspace: Sendable {
        public let name: String
        public let root: URL
    }

    public func names() -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return items.filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).appendingPathComponent(Experiments.recordName).path) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public static let recordName = "experiment.json"

    /// An experiment that exists, or a usage error listing those that do.
    public func existing(_ name: String) throws -> Workspace {
        let all = names()
        guard all.contains(name) else {
            let guess = closestName(name, in: all).map { " (did you mean '\($0)'?)" } ?? ""
            let list = all.isEmpty ? "there are none yet: repro exp run --set STAGE.PARAM=VALUE" : "repro exp list shows them: \(all.joined(separator: ", "))"
            throw ChangesError("no experiment named '\(name)'\(guess)\nhint: \(list)")
        }
        return Workspace(name: name, root: dir.appendingPathComponent(name))
    }
}

/// The candidate nearest to `s` by edit distance, if near enough to be a typo.
public func closestName(_ s: String, in candidates: [String]) -> String? {
    func dist(_ a: [Character], _ b: [Character]) -> Int {
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return a.isEmpty ? b.count : prev[b.count]
    }
    let a = Array(s)
    var best: (name: String, d: Int)? = nil
    for c in candidates.sorted() {
        let d = dist(a, Array(c))
        if best == nil || d < best!.d { best = (c, d) }
    }
    guard let best, best.d <= max(2, s.count / 3) else { return nil }
    return best.name
}

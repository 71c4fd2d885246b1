import ArgumentParser
import Changes
import EngineCore
import StageAPI

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that every output on disk matches its digest in repro.lock.",
        discussion: "Names each differing or missing file. Exit 0 if all match, 3 otherwise. With --numeric, exit 0 also when every differing output's numbers are within tolerance and every claim holds.")

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var numeric: NumericOptions

    func run() throws {
        let project = try projectOptions.load()
        let (checked, mismatches) = try reporting { try Inspector(project: project).verify() }
        for note in try reporting({ try Inspector(project: project).platformNotes() }) {
            print("note: \(note); their bytes are checked all the same")
        }
        if numeric.numeric { return try numericVerdict(project, mismatches) }
        for m in mismatches { print("MISMATCH  \(m)") }
        if mismatches.isEmpty {
            print("verified: \(checked) outputs of \(project.pipeline.stages.count) stages match \(project.lockName)")
        } else {
            print("\(mismatches.count) mismatch(es) against \(project.lockName)")
            throw ExitCode(.outputsDiffer)
        }
    }

    /// Byte mismatches judged by their numbers; other problems stay problems.
    func numericVerdict(_ project: Project, _ mismatches: [Inspector.Mismatch]) throws {
        let lock = try reporting { try LockFile.load(from: project.lockURL) }
        var differing: [(path: String, sha256: String)] = []
        var others: [Inspector.Mismatch] = []
        for m in mismatches {
            if let p = m.path, m.cause == .contentDiffers,
               let sha = lock.stages[m.stage]?.outs.first(where: { $0.path == p })?.output.sha256 {
                differing.append((p, sha))
            } else if m.cause == .kindCheck {
                continue  // a kind's own check (the claims kind's claims): counted from claims.json below
            } else {
                others.append(m)
            }
        }
        let outputs = lock.stages.values.flatMap { $0.outs.map(\.path) }.sorted()
        let v = NumericVerdict.check(root: project.root, differing: differing, allOutputs: outputs, rtol: numeric.rtol, atol: numeric.atol)
        for i in v.withinTolerance { print("within    \(i.path): \(i.detail)") }
        for i in v.beyond { print("BEYOND    \(i.path): \(i.detail)") }
        for i in v.nonNumeric { print("BYTES     \(i.path): \(i.detail)") }
        for i in v.noReference { print("UNCHECKED \(i.path): \(i.detail)") }
        for m in others { print("MISMATCH  \(m)") }
        print(v.summary + (others.isEmpty ? "" : "; \(others.count) other mismatch(es)"))
        if !v.passes || !others.isEmpty { throw ExitCode(.outputsDiffer) }
    }
}

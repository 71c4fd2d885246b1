import ArgumentParser
import Engine

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that every output on disk matches its digest in repro.lock.",
        discussion: "Names each differing or missing file. Exit 0 if all match, 3 otherwise.")

    @OptionGroup var projectOptions: ProjectOptions

    func run() throws {
        let project = try projectOptions.load()
        let (checked, mismatches) = try reporting { try Inspector(project: project).verify() }
        for m in mismatches { print("MISMATCH  \(m)") }
        if mismatches.isEmpty {
            print("verified: \(checked) outputs of \(project.pipeline.stages.count) stages match \(project.lockName)")
        } else {
            print("\(mismatches.count) mismatch(es) against \(project.lockName)")
            throw ExitCode(3)
        }
    }
}

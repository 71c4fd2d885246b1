import ArgumentParser
import Engine

struct Kinds: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the stage kinds this binary knows.")

    func run() throws {
        let registry = ProjectOptions.registry
        let w = registry.names.map(\.count).max() ?? 8
        for name in registry.names {
            print(name.padding(toLength: w + 2, withPad: " ", startingAt: 0) + registry[name]!.summary)
        }
    }
}

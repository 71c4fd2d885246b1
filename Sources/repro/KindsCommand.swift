import ArgumentParser
import EngineCore
import StageAPI

struct Kinds: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the stage kinds this binary knows, or describe one.",
        discussion: "`repro kinds shell` prints what the shell kind does and the source files behind its key.")

    @Argument(help: "A kind to describe (default: list them all).")
    var kind: String?

    func run() throws {
        let registry = ProjectOptions.registry
        guard let kind else {
            let w = registry.names.map(\.count).max() ?? 8
            for name in registry.names {
                print(name.padding(toLength: w + 2, withPad: " ", startingAt: 0) + registry[name]!.summary)
            }
            return
        }
        guard let k = registry[kind] else {
            printError("repro kinds: no kind named '\(kind)'; known kinds: \(registry.names.joined(separator: ", "))")
            throw ExitCode(.usage)
        }
        print("\(k.name): \(k.summary)")
        let scope = Plugins.code.scope(of: k.codeTarget) ?? []
        print("code (part of every key of this kind): target \(k.codeTarget) and all it depends on: \(scope.joined(separator: ", "))")
        if k.help.isEmpty {
            print("its parameters are documented in its source, under \(scope.first { $0.hasSuffix("/" + k.codeTarget) } ?? k.codeTarget)")
        } else {
            print("")
            print(k.help, terminator: k.help.hasSuffix("\n") ? "" : "\n")
        }
    }
}

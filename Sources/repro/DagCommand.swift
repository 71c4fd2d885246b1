import ArgumentParser
import EngineCore
import StageAPI

struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the stage graph (in run order): as text, Graphviz dot, or Mermaid.")

    @OptionGroup var projectOptions: ProjectOptions

    @Flag(help: "Graphviz dot (pipe to `dot -Tsvg`).")
    var dot = false

    @Flag(help: "Mermaid flowchart.")
    var mermaid = false

    func run() throws {
        let project = try projectOptions.load()
        let p = project.pipeline
        try emit(dot ? DagExport.dot(p) : mermaid ? DagExport.mermaid(p) : DagExport.text(p), command: "repro dag")
    }
}

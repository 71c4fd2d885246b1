import StageAPI
import ProcessSpawn
/// The pipeline graph as text, Graphviz dot, or Mermaid.
public enum DagExport {
    public static func text(_ p: Pipeline) -> String {
        var out = ""
        for s in p.stages {
            let ups = s.upstream.map { p.stages[$0].name }
            out += "\(s.name) [\(s.spec.kind)]" + (ups.isEmpty ? "" : " <- " + ups.joined(separator: ", ")) + "\n"
        }
        return out
    }

    public static func dot(_ p: Pipeline) -> String {
        var out = "digraph pipeline {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for s in p.stages { out += "  \(quote(s.name)) [label=\(quote("\(s.name)\\n(\(s.spec.kind))"))];\n" }
        for s in p.stages { for u in s.upstream { out += "  \(quote(p.stages[u].name)) -> \(quote(s.name));\n" } }
        return out + "}\n"
    }

    public static func mermaid(_ p: Pipeline) -> String {
        var out = "flowchart LR\n"
        for (i, s) in p.stages.enumerated() { out += "  s\(i)[\"\(s.name.replacingOccurrences(of: "\"", with: "'")) (\(s.spec.kind))\"]\n" }
        for (i, s) in p.stages.enumerated() { for u in s.upstream { out += "  s\(u) --> s\(i)\n" } }
        return out
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\\\\n", with: "\\n") + "\""
    }
}

import ArgumentParser
import EngineCore
import StageAPI
import Foundation

/// Shell completion of stage names (`repro --generate-completion-script bash`):
/// the stages of the pipeline named by the words typed so far (`-C`, `--file`),
/// matrix stages both by their base name and by each instance's full name.
enum StageCompletion {
    static let kind = CompletionKind.custom { words, _, prefix in names(words).filter { $0.hasPrefix(prefix) } }

    static func names(_ words: [String]) -> [String] {
        var dir = ".", file = "pipeline.yaml"
        for (i, w) in words.enumerated() where i + 1 < words.count {
            if w == "-C" || w == "--project" { dir = words[i + 1] }
            if w == "--file" { file = words[i + 1] }
        }
        guard let pipeline = try? Pipeline.load(root: URL(fileURLWithPath: dir), file: file, registry: ProjectOptions.registry) else { return [] }
        var seen = Set<String>(), out: [String] = []
        for s in pipeline.stages {
            for name in [s.spec.baseName, s.name] where seen.insert(name).inserted { out.append(name) }
        }
        return out
    }
}

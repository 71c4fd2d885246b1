import Foundation
import PackagePlugin

/// Generates `SourceDigests.swift`: the SHA-256 of every source file of the
/// package, as this binary was built from them, and the package's target
/// graph (each target's directory and the targets it depends on). Stage keys
/// use these digests as "the code behind a kind" (a kind may name a target and
/// so cover all it imports), and `repro` compares them with the files on disk
/// to detect a stale binary.
@main
struct SourceDigestPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        var graph: [String] = []
        for module in context.package.targets {
            let deps = module.dependencies.compactMap { dep -> String? in
                if case .target(let t) = dep { t.name } else { nil }  // products are other packages'
            }
            graph.append("\(module.name)=\(module.directoryURL.path)=\(deps.joined(separator: ","))")
            guard module.name != target.name else { continue }  // our own output would be circular
            if let source = module as? SourceModuleTarget {
                let listed = source.sourceFiles.filter { $0.type == .source || $0.type == .header }.map(\.url)
                // SwiftPM does not list a C target's public headers (include/) among its
                // source files, but they are code, and the stale-binary check reads them.
                let known = Set(listed.map(\.standardizedFileURL.path))
                let unlisted = Self.files(under: module.directoryURL)
                    .filter { ["swift", "h", "c"].contains($0.pathExtension) && !known.contains($0.standardizedFileURL.path) }
                inputs += listed + unlisted
            } else {
                inputs += Self.files(under: module.directoryURL)
            }
        }
        inputs.append(root.appendingPathComponent("Package.swift"))
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("SourceDigests.swift")
        return [.buildCommand(
            displayName: "Hashing sources for stage keys",
            executable: try context.tool(named: "source-digest").url,
            arguments: [root.path, output.path, graph.joined(separator: ";")] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output])]
    }

    /// Files of a target that SwiftPM does not list (system-library targets).
    static func files(under dir: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { !$0.hasDirectoryPath && !$0.lastPathComponent.hasPrefix(".") }
    }
}

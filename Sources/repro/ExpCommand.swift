import ArgumentParser
import BuildInfo
import Changes
import EngineCore
import StageAPI
import Foundation

struct Exp: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What-if runs: the pipeline with overrides, in a workspace under .repro/exp that shares the cache.",
        discussion: """
            An experiment never writes repro.lock, the project's outputs or git: it runs in \
            .repro/exp/NAME (a copy of the pipeline with the overrides, the project's lock and \
            outputs), and every stage whose key is unchanged is up to date or restored from the \
            shared cache. `repro exp apply NAME` makes it the project's state.
            """,
        subcommands: [ExpRun.self, ExpList.self, ExpShow.self, ExpDiff.self, ExpRemove.self, ExpApply.self])
}

/// Reads pipeline.yaml's text and the overrides, checking each as pipeline.yaml is checked.
struct OverrideSet {
    var baseText: String
    var editedText: String
    var overrides: [Override]

    /// The errors, those of a matrix's instances said once ("stage 'fig4-cell' (all 66 instances)").
    static func collapsed(_ e: PipelineErrors) -> String {
        var lines: [String] = []
        var count: [String: Int] = [:]
        for err in e.errors {
            var d = err.description
            if let r = d.range(of: #"stage '([^'@]+)@[^']*'"#, options: .regularExpression) {
                let name = d[r].dropFirst("stage '".count).prefix { $0 != "@" }
                d.replaceSubrange(r, with: "stage '\(name)' (INSTANCES)")
            }
            if count[d] == nil { lines.append(d) }
            count[d, default: 0] += 1
        }
        return lines.map { $0.replacingOccurrences(of: "(INSTANCES)", with: count[$0]! == 1 ? "(one instance)" : "(all \(count[$0]!) instances)") }
            .joined(separator: "\n")
    }

    static func make(project: Project, file: String, sets: [String], setFiles: [String]) throws -> OverrideSet {
        let url = project.root.appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw ChangesError("cannot read \(file)", exit: .invalidInput) }
        let names = declaredStageNames(text)
        var overrides = try sets.map { try Override.parse($0, stageNames: names) }
        for f in setFiles { overrides += try Override.parseFile(URL(fileURLWithPath: f), stageNames: names) }
        guard !overrides.isEmpty else {
            throw ChangesError("an experiment needs at least one override: --set STAGE.PARAM=VALUE (e.g. --set fig4-cell.matrix.mu=[3.0]) or --set-file FILE.yaml")
        }
        var edited = text
        for o in overrides {
            edited = try applyOverrides(edited, [o])
            do {
                let spec = try SpecParser.parse(yaml: edited, file: file, registry: ProjectOptions.registry)
                _ = try Pipeline.build(spec, root: project.root, registry: ProjectOptions.registry)
            } catch let e as PipelineErrors {
                let guess = nearestExistingKey(text, path: o.yamlPath).map { " ('\($0.missing)': did you mean '\($0.nearest)'?)" } ?? ""
                throw ChangesError("--set \(o.argument) is refused\(guess), as it would be in \(file):\n\(Self.collapsed(e))")
            }
        }
        return OverrideSet(baseText: text, editedText: edited, overrides: overrides)
    }
}

struct ExpRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline with overrides in a workspace of its own (never touches repro.lock, outputs or git).",
        discussion: "Exit 0 when every stage succeeded, 1 if one failed, 64 for a bad --set (named, with a \"did you mean\").")

    @OptionGroup var projectOptions: ProjectOptions

    @Option(name: [.customShort("n"), .customLong("name")], help: "The experiment's name (default: exp1, exp2, …). An existing one is replaced.")
    var name: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("STAGE.PARAM=VALUE (a param path: fig4-cell.init.seeds.count=200) or STAGE.matrix.AXIS=[...]; VALUE is YAML. Repeatable.", valueName: "STAGE.PARAM=VALUE"))
    var sets: [String] = []

    @Option(name: .customLong("set-file"), help: "A YAML file of `STAGE.PARAM: VALUE` lines. Repeatable.")
    var setFiles: [String] = []

    @OptionGroup var flags: RunFlags

    @Argument(help: "Stages to run (and what they need); default: all.", completion: StageCompletion.kind)
    var stages: [String] = []

    func run() throws {
        let project = try projectOptions.load()
        let file = projectOptions.file
        let set = try changesReporting { try OverrideSet.make(project: project, file: file, sets: sets, setFiles: setFiles) }
        let experiments = Experiments(projectRoot: project.root)
        let name = self.name ?? experiments.nextName()
        try changesReporting { try Experiments.checkName(name) }
        let stale = project.staleSources(for: Array(project.pipeline.stages.indices))
        if !stale.isEmpty && !flags.allowStale {
            printError("repro: this binary was built from other sources than those on disk (\(stale.prefix(3).joined(separator: ", "))\(stale.count > 3 ? ", …" : "")): rebuild it (./repro does), or pass --allow-stale")
            throw ExitCode(.usage)
        }
        // The edited pipeline, as the workspace will read it.
        let edited = try reporting { try Pipeline.build(SpecParser.parse(yaml: set.editedText, file: file, registry: ProjectOptions.registry), root: project.root, registry: ProjectOptions.registry) }
        if !stages.isEmpty { _ = try reporting { try edited.select(stages, upstreamToo: true) } }
        var sources = Set<String>()
        for s in edited.stages { for (d, p) in zip(s.spec.deps, s.producers) where p == nil { sources.insert(d) } }
        let lock = try reporting { try LockFile.load(from: project.lockURL) }
        let outputs = lock.stages.values.flatMap { $0.outs.map(\.path) }
        let ws = try reporting {
            try experiments.prepare(name: name, pipelineFile: file, pipelineText: set.editedText, lockName: project.lockName,
                                    sources: sources.sorted(), outputs: outputs.sorted())
        }
        var wsProject = try reporting {
            try Project(root: ws.root, pipelineFile: file, registry: ProjectOptions.registry,
                        code: Plugins.code, maxStages: projectOptions.maxStages)
        }
        wsProject.cacheRoot = project.store.root
        let selection = try reporting { stages.isEmpty ? Array(wsProject.pipeline.stages.indices) : try wsProject.pipeline.select(stages, upstreamToo: true) }
        var record = ExperimentRecord(name: name, overrides: set.overrides.map(\.argument), stages: stages,
                                      basePipelineSHA256: FileHasher.hash(data: Array(set.baseText.utf8)))
        let recordURL = ws.root.appendingPathComponent(Experiments.recordName)
        try reporting { try AtomicFile.write(Data(record.json.utf8), to: recordURL, durable: false) }
        ConsoleOutput.out("experiment \(name): \(set.overrides.map(\.argument).joined(separator: " ")) (workspace .repro/exp/\(name))\n")
        var failure: Error? = nil
        do {
            try flags.execute(wsProject, selection: selection, projectFile: file) { summary in
                record.ran = summary.results.filter { $0.outcome == .ran }.map(\.name)
                record.restored = summary.count { $0 == .restored || $0 == .restoredRemote }
                record.upToDate = summary.count { $0 == .upToDate }
                record.failed = summary.results.filter { $0.outcome.isFailure }.map(\.name)
            }
        } catch { failure = error }
        if !flags.dryRun, let a = try? Side.open("", projectRoot: project.root, lockName: project.lockName, git: nil),
           let b = try? Side.open("exp:\(name)", projectRoot: project.root, lockName: project.lockName, git: nil),
           let d = try? Differ.diff(a, b) {
            record.claimsFlipped = d.flips.map(\.id)
            record.claimsChanged = d.claims.filter { $0.kind == .changed }.count
            print("experiment \(name) against the working tree: \(d.flips.count) claim(s) flipped\(d.flips.isEmpty ? "" : " (\(record.claimsFlipped.joined(separator: ", ")))"), \(record.claimsChanged) changed value; repro exp diff \(name) for the details")
        }
        try? AtomicFile.write(Data(record.json.utf8), to: recordURL, durable: false)
        if let failure { throw failure }
    }
}

struct ExpList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The experiments: name, overrides, stages run and restored, claims flipped.")

    @Option(name: [.customShort("C"), .customLong("project")], help: "Project directory.")
    var project: String = "."

    func run() throws {
        let root = try changesReporting { try projectRoot(project) }
        let ex = Experiments(projectRoot: root)
        let names = ex.names()
        if names.isEmpty { print("no experiments (repro exp run --set STAGE.PARAM=VALUE makes one)"); return }
        for n in names {
            guard let r = ExperimentRecord.read(ex.dir.appendingPathComponent(n).appendingPathComponent(Experiments.recordName)) else {
                print("\(n)  (no readable record)"); continue
            }
            let flipped = r.claimsFlipped.isEmpty ? "no claim flipped" : "\(r.claimsFlipped.count) claim(s) flipped: \(r.claimsFlipped.joined(separator: ", "))"
            print("\(n)  \(r.overrides.map { "--set \($0)" }.joined(separator: " "))  ran \(r.ran.count), restored \(r.restored), up to date \(r.upToDate)\(r.failed.isEmpty ? "" : ", failed \(r.failed.count)")  \(flipped)")
        }
    }
}

struct ExpShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One experiment: its overrides, what ran, the claims it flipped.")

    @Option(name: [.customShort("C"), .customLong("project")], help: "Project directory.")
    var project: String = "."

    @Argument(help: "The experiment's name.")
    var name: String

    func run() throws {
        let root = try changesReporting { try projectRoot(project) }
        let ws = try changesReporting { try Experiments(projectRoot: root).existing(name) }
        guard let r = ExperimentRecord.read(ws.root.appendingPathComponent(Experiments.recordName)) else {
            printError("repro: experiment '\(name)' has no readable record; repro exp remove \(name) and run it again")
            throw ExitCode(.invalidInput)
        }
        print("experiment \(r.name) (workspace .repro/exp/\(r.name))")
        print("overrides:")
        for o in r.overrides { print("  --set \(o)") }
        if !r.stages.isEmpty { print("stages: \(r.stages.joined(separator: " "))") }
        print("ran \(r.ran.count): \(r.ran.joined(separator: ", "))")
        print("restored from the cache: \(r.restored); up to date: \(r.upToDate)")
        if !r.failed.isEmpty { print("failed: \(r.failed.joined(separator: ", "))") }
        print("claims flipped against the working tree: \(r.claimsFlipped.isEmpty ? "none" : r.claimsFlipped.joined(separator: ", ")); claims with another value: \(r.claimsChanged)")
    }
}

struct ExpDiff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "repro diff HEAD exp:NAME (same options and exit codes).")

    @Option(name: [.customShort("C"), .customLong("project")], help: "Project directory.")
    var project: String = "."

    @Option(name: .customLong("file"), help: "Pipeline file.")
    var file: String = "pipeline.yaml"

    @Flag(help: "Print the JSON report (schema repro-diff/1).")
    var json = false

    @Option(help: "Also write the HTML page into this directory.")
    var html: String?

    @Argument(help: "The experiment's name.")
    var name: String

    func run() throws {
        var args = ["-C", project, "--file", file] + (json ? ["--json"] : []) + (html.map { ["--html", $0] } ?? [])
        args += ["--", "HEAD", "exp:\(name)"]
        try Diff.parse(args).run()
    }
}

struct ExpRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Delete an experiment's workspace (its cache entries stay until repro gc).")

    @Option(name: [.customShort("C"), .customLong("project")], help: "Project directory.")
    var project: String = "."

    @Argument(help: "The experiment's name.")
    var name: String

    func run() throws {
        let root = try changesReporting { try projectRoot(project) }
        let ws = try changesReporting { try Experiments(projectRoot: root).existing(name) }
        try reporting { try FileManager.default.removeItem(at: ws.root) }
        print("removed experiment \(name)")
    }
}

struct ExpApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Write an experiment's overrides into pipeline.yaml (minimal edits) and its outputs into the project.",
        discussion: "The result is what editing pipeline.yaml by hand and running `repro all` gives (the same repro.lock): the outputs are restored from the cache the experiment filled.")

    @OptionGroup var projectOptions: ProjectOptions
    @OptionGroup var flags: RunFlags

    @Argument(help: "The experiment's name.")
    var name: String

    func run() throws {
        let project = try projectOptions.load()
        let file = projectOptions.file
        let ws = try changesReporting { try Experiments(projectRoot: project.root).existing(name) }
        guard let r = ExperimentRecord.read(ws.root.appendingPathComponent(Experiments.recordName)) else {
            printError("repro: experiment '\(name)' has no readable record"); throw ExitCode(.invalidInput)
        }
        let set = try changesReporting { try OverrideSet.make(project: project, file: file, sets: r.overrides, setFiles: []) }
        if FileHasher.hash(data: Array(set.baseText.utf8)) != r.basePipelineSHA256 {
            print("note: \(file) changed since experiment \(name) ran; its overrides are applied to the current file")
        }
        try reporting { try AtomicFile.write(Data(set.editedText.utf8), to: project.root.appendingPathComponent(file), durable: true) }
        print("\(file): applied \(set.overrides.map { "--set \($0.argument)" }.joined(separator: " "))")
        let updated = try projectOptions.load()
        try flags.execute(updated, selection: Array(updated.pipeline.stages.indices), projectFile: file)
    }
}

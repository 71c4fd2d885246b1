import ArgumentParser
import EngineCore
import RemoteCache
import StageAPI
import Foundation

/// Options of every command that talks to the shared cache.
struct RemoteFlags: ParsableArguments {
    @Option(name: .customLong("remote"), help: ArgumentHelp(
        "Shared cache URL (file:///dir or http(s)://host/prefix), overriding pipeline.yaml's remote: block and $REPRO_REMOTE. Credentials: $REPRO_REMOTE_TOKEN (bearer) or $REPRO_REMOTE_BASIC (user:password).",
        valueName: "url"))
    var remoteURL: String?

    @Flag(help: "Do not use the remote cache, even if one is configured.")
    var noRemote = false

    @Flag(help: "Fail instead of computing locally when the remote cache cannot be reached or written.")
    var remoteRequired = false

    /// The remote to use, or nil; prints problems and exits 64 on a bad URL.
    func cache(for project: Project, message: @escaping @Sendable (String) -> Void) throws -> RemoteCache? {
        if noRemote { return nil }
        let config = try reporting {
            try RemoteConfig.resolve(pipeline: project.pipeline.remoteConfig, commandLine: remoteURL,
                                     environment: ProcessInfo.processInfo.environment)
        }
        guard var config else {
            if remoteRequired { throw reportingUsage("--remote-required, but no remote is configured (pipeline.yaml remote:, --remote or $REPRO_REMOTE)") }
            return nil
        }
        config.required = remoteRequired
        let cache = RemoteCache(config: config, warn: message)
        if remoteRequired { try reporting { try cache.probe() } }
        return cache
    }
}

/// What `push` and `pull` start from: the project, the remote (required), and the stages named (default: all).
struct TransferSetup {
    let project: Project
    let reporter: ConsoleReporter
    let cache: RemoteCache
    let selection: [Int]

    init(_ projectOptions: ProjectOptions, _ remote: RemoteFlags, stages: [String]) throws {
        project = try projectOptions.load()
        let reporter = ConsoleReporter()
        self.reporter = reporter
        guard let cache = try remote.cache(for: project, message: { reporter.message($0) }) else {
            throw reportingUsage("no remote configured: add a remote: block to pipeline.yaml, or pass --remote URL (or set $REPRO_REMOTE)")
        }
        self.cache = cache
        let project = project
        selection = stages.isEmpty ? Array(project.pipeline.stages.indices)
            : try reporting { try project.pipeline.select(stages, upstreamToo: false) }
    }
}

func reportingUsage(_ message: String) -> ExitCode {
    printError("repro: \(message)")
    return ExitCode(.usage)
}

import EngineCore
import StageAPI
import ShellStages
import RemoteCache
import SlurmExecutor
import Foundation

/// What both fuzz targets share: a scratch project directory (made once per
/// process) into which each input is written before the real loader reads it.
public enum FuzzProject {
    public static let root: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("repro-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        // Source files the seeds' deps name, so that loading gets past the existence checks.
        for f in ["in.txt", "data/x.csv", "scripts/plot.py"] {
            let url = dir.appendingPathComponent(f)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: url.path, contents: Data("x\n".utf8))
        }
        return dir
    }()

    public static func write(_ data: UnsafeRawBufferPointer, to name: String) -> URL {
        let url = root.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(data))
        return url
    }
}

/// Accepts any params (reading every key), so inputs get past validation
/// to dependency resolution and ordering.
public struct AnyParamsKind: StageKind {
    public let name: String
    public let summary = "fuzz: accepts anything"
    public init(name: String) { self.name = name }
    public func validate(_ p: Params, stage: StageInfo) throws {
        for k in p.object.keys { _ = p.raw(k) }
    }
    public func run(_ config: Void, in ctx: StageContext) throws {}
}

public let fuzzRegistry = KindRegistry([ShellKind(), AnyParamsKind(name: "concat"), AnyParamsKind(name: "figure")],
                                       executors: ExecutorRegistry([LocalExecutorType(), SlurmExecutorType()]), remote: RemoteBlock())

import EngineCore
import StageAPI
import Foundation
import FuzzSupport

/// One pipeline.yaml: it must load or be refused with PipelineErrors, never
/// crash, hang or exhaust memory (libFuzzer's -timeout and -rss_limit_mb).
/// Accepted pipelines must load to the same stages twice (no order from hashing).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = FuzzProject.write(UnsafeRawBufferPointer(start: data, count: size), to: "pipeline.yaml")
    do {
        let p = try Pipeline.load(root: FuzzProject.root, registry: fuzzRegistry, maxStages: 2_000)
        let again = try Pipeline.load(root: FuzzProject.root, registry: fuzzRegistry, maxStages: 2_000)
        precondition(p.stages.map(\.name) == again.stages.map(\.name), "stage order differs between two loads")
        precondition(p.stages.map(\.canonicalParams) == again.stages.map(\.canonicalParams), "params differ between two loads")
        for s in p.stages {
            precondition(!s.name.contains("\n") && !s.name.contains("/"), "stage name '\(s.name)' passed validation")
            for path in s.spec.deps + s.spec.outs {
                precondition(!path.unicodeScalars.contains { $0.value < 0x20 } && !path.hasPrefix("/")
                             && !path.split(separator: "/").contains(".."), "path '\(path)' passed validation")
            }
        }
    } catch is PipelineErrors {
    } catch {
        fatalError("Pipeline.load threw something other than PipelineErrors: \(error)")
    }
    return 0
}

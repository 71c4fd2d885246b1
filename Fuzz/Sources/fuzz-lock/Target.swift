import EngineCore
import StageAPI
import Foundation
import FuzzSupport

/// One repro.lock: it must load or be called damaged (EngineError), never
/// crash; an accepted lock must write back to text that loads to the same lock
/// and writes the same bytes again (the lock is committed: it must be stable).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLock(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FuzzProject.write(UnsafeRawBufferPointer(start: data, count: size), to: "repro.lock")
    let lock: LockFile
    do {
        lock = try LockFile.load(from: url)
    } catch is EngineError {
        return 0
    } catch {
        fatalError("LockFile.load threw something other than EngineError: \(error)")
    }
    for (_, e) in lock.stages {
        for o in e.outs { precondition(Pipeline.pathProblem(o.path) == nil, "out '\(o.path)' passed validation") }
    }
    let text = lock.text
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8))
    do {
        let back = try LockFile.load(from: url)
        precondition(back.stages == lock.stages, "lock does not round-trip")
        precondition(back.rejected.isEmpty, "a written lock has entries its reader rejects")
        precondition(back.text == text, "lock text is not stable")
    } catch {
        fatalError("the lock repro wrote does not load: \(error)\n\(text)")
    }
    return 0
}

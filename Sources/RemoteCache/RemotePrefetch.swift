import Foundation
import Synchronization
import EngineCore
import StageAPI

extension RemoteCache {
    /// From the start of a run, the run records and objects the run will
    /// most likely ask for, `transfers` stages at a time (each stage's
    /// objects as soon as its record is in), in the background and in
    /// declared order, instead of one stage after another: at a 100 ms round
    /// trip, a few hundred stages restore in seconds rather than a minute.
    /// `fetch` of a stage still in the works waits for it (`wait: false`), so
    /// the run restores the first stages while later ones download. Candidates are the stages whose `repro.lock` entry has no
    /// local run record and whose outputs are not in place (a fresh clone);
    /// a lock older than the code just costs requests for records the run
    /// then does not use. Everything is verified as in `fetch`, which then
    /// finds the records here and the objects in the local store. A remote
    /// that fails is warned about once, as in a run; nothing here throws.
    public func prefetch(project: Project, selection: [Int], wait: Bool = true) {
        guard let lock = try? LockFile.load(from: project.lockURL) else { return }
        let store = project.store
        let wanted = selection.compactMap { i -> (key: String, outs: [String], bytes: Int64)? in
            let stage = project.pipeline.stages[i]
            guard let e = lock.stages[stage.name], RemoteRecord.isDigest(e.key), store.run(for: e.key) == nil,
                  e.outs.map(\.path) == stage.spec.outs else { return nil }
            let inPlace = e.outs.allSatisfy { o in
                (try? FileManager.default.attributesOfItem(atPath: project.root.appendingPathComponent(o.path).path))?[.size] as? Int64 == o.output.size
            }
            return inPlace ? nil : (e.key, stage.spec.outs, e.outs.reduce(0) { $0 + $1.output.size })
        }
        guard wanted.count > 1 else { return }
        let tmpDir = store.root.appendingPathComponent("tmp")
        try? FileManager.default.createDirectory(at: tmpDir, withIntermediateDirectories: true)
        let meter = TransferMeter(label: "prefetching", objects: wanted.reduce(0) { $0 + $1.outs.count },
                                  bytes: wanted.reduce(0) { $0 + $1.bytes }, report: warn)
        let claimed = Mutex<Set<String>>([])
        willPrefetch(wanted.map(\.key))
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = parallel(wanted, limit: self.config.transfers) { w in
                defer { self.finished(key: w.key) }
                guard case .success(let outs)? = (try? self.fetchRecord(key: w.key, declaredOuts: w.outs, tmpDir: tmpDir)) ?? nil else { return }
                // Objects another stage is downloading are not waited for here: `fetch` gets what is still missing.
                for o in outs where !store.hasObject(o.output.sha256) && claimed.withLock({ $0.insert(o.output.sha256).inserted }) {
                    // Problems are found again, and warned about, when the run asks for the stage.
                    _ = try? self.fetchObject(o.output, path: o.path, into: store, tmpDir: tmpDir, meter: meter)
                }
                self.remember(key: w.key, outs: outs)
            }
            meter.finish()
            done.signal()
        }
        if wait { done.wait() }
    }
}

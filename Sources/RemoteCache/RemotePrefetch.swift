import Foundation
import EngineCore
import StageAPI

extension RemoteCache {
    /// Before a run, the run records and objects the run will most likely
    /// ask for, fetched `transfers` at a time instead of one stage after
    /// another: at a 100 ms round trip, a few hundred stages restore in
    /// seconds rather than a minute. Candidates are the stages whose
    /// `repro.lock` entry has no local run record and whose outputs are not
    /// in place (a fresh clone); a lock older than the code just costs
    /// requests for records the run then does not use. Everything is
    /// verified as in `fetch`, which then finds the records here and the
    /// objects in the local store. A remote that fails is warned about once,
    /// as in a run, and nothing here throws.
    public func prefetch(project: Project, selection: [Int]) {
        guard let lock = try? LockFile.load(from: project.lockURL) else { return }
        let store = project.store
        let wanted = selection.compactMap { i -> (key: String, outs: [String])? in
            let stage = project.pipeline.stages[i]
            guard let e = lock.stages[stage.name], RemoteRecord.isDigest(e.key), store.run(for: e.key) == nil,
                  e.outs.map(\.path) == stage.spec.outs else { return nil }
            let inPlace = e.outs.allSatisfy { o in
                (try? FileManager.default.attributesOfItem(atPath: project.root.appendingPathComponent(o.path).path))?[.size] as? Int64 == o.output.size
            }
            return inPlace ? nil : (e.key, stage.spec.outs)
        }
        guard wanted.count > 1 else { return }
        let tmpDir = store.root.appendingPathComponent("tmp")
        try? FileManager.default.createDirectory(at: tmpDir, withIntermediateDirectories: true)
        let records = parallel(wanted, limit: config.transfers) { w -> [(path: String, output: LockFile.Output)]? in
            guard case .success(let outs)? = (try? self.fetchRecord(key: w.key, declaredOuts: w.outs, tmpDir: tmpDir)) ?? nil else { return nil }
            return outs
        }
        var objects: [String: (path: String, output: LockFile.Output)] = [:]
        for (w, outs) in zip(wanted, records) {
            guard let outs else { continue }
            remember(key: w.key, outs: outs)
            for o in outs where !store.hasObject(o.output.sha256) { objects[o.output.sha256] = o }
        }
        let todo = objects.keys.sorted().map { objects[$0]! }
        let meter = TransferMeter(label: "prefetching", objects: todo.count, bytes: todo.reduce(0) { $0 + $1.output.size }, report: warn)
        // Problems are found again, and warned about, when the run asks for the stage.
        _ = parallel(todo, limit: config.transfers) { o in _ = try? self.fetchObject(o.output, path: o.path, into: store, tmpDir: tmpDir, meter: meter) }
        meter.finish()
    }
}

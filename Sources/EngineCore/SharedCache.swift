import Foundation

/// A cache shared between machines, read on a local miss and written after a
/// stage runs (`push: on-success`). The engine knows it only through this
/// protocol; the CLI plugs in the `RemoteCache` module's implementation.
public protocol SharedCache: Sendable {
    /// Whether a stage's outputs are pushed as soon as it succeeds.
    var pushesOnSuccess: Bool { get }
    /// Brings the run record of `key` and its objects into `store`, verifying
    /// every byte. Throws only when the remote is required.
    func fetch(key: String, stage: String, declaredOuts: [String], into store: Store) throws -> SharedCacheFetch
    /// Uploads the objects of `outs` the remote lacks, then the run record.
    /// Returns false if the remote could not be written (warned).
    @discardableResult
    func push(key: String, stage: String, outs: [(path: String, output: LockFile.Output)], from store: Store) throws -> Bool
}

/// What a shared cache had for a key.
public enum SharedCacheFetch: Sendable {
    /// The record and all its objects are now in the local store.
    case found([(path: String, output: LockFile.Output)])
    case absent
    /// The remote had something, and it was wrong: the reason, for the stage's log.
    case rejected(String)
}

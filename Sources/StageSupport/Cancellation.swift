import StageAPI

/// Maps the science side's `CancellationError` to the engine's `StageCancelled`.
package func cancellable<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch is CancellationError { throw StageCancelled() }
}


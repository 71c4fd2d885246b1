import CFlowKernels
import Foundation

/// Which implementation runs Flows' kernels (GEMM, tanh, exp): the portable
/// Swift code (on x86-64 compiled for AVX2, like the rest of the binary), or
/// CFlowKernels' AVX-512 versions when the CPU has AVX-512F/DQ. Both compute
/// every output with the same operations in the same order (vectors only run
/// across independent outputs), so the bits do not depend on the path; only
/// the speed does.
public enum KernelPath: String, Sendable, CaseIterable {
    case portable
    case avx512

    /// The fastest path this CPU runs, unless the environment variable
    /// REPRO_FLOW_KERNELS=portable (or avx2) forces the portable one.
    public static let best: KernelPath = {
        let env = ProcessInfo.processInfo.environment["REPRO_FLOW_KERNELS"]
        if env == "portable" || env == "avx2" { return .portable }
        return cfk_avx512_available() != 0 ? .avx512 : .portable
    }()

    /// Whether this CPU can run `path`.
    public static func runs(_ path: KernelPath) -> Bool {
        path == .portable || cfk_avx512_available() != 0
    }

    /// Set only by `using(_:_:)`, from one thread, while nothing trains.
    nonisolated(unsafe) private static var override: KernelPath?

    /// The path the kernels take now.
    @inline(__always)
    public static var active: KernelPath { override ?? best }

    /// Runs `body` with the kernels on `path` (which this CPU must run): for
    /// tests and benchmarks that compare the paths in one process. Not for
    /// concurrent use.
    public static func using<T>(_ path: KernelPath, _ body: () throws -> T) rethrows -> T {
        precondition(runs(path), "this CPU does not run the \(path) kernels")
        let saved = override
        override = path
        defer { override = saved }
        return try body()
    }
}

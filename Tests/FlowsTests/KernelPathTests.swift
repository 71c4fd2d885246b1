import Foundation
import Random
import XCTest
import Flows

/// The AVX-512 kernels give the bits of the portable ones: the same inputs on
/// both paths, compared bit for bit, and against naive references.
final class KernelPathTests: XCTestCase {
    /// The paths this CPU runs; on a CPU whose /proc/cpuinfo lists AVX-512F
    /// and DQ, the AVX-512 path must be one of them (else these tests would
    /// compare the portable path with itself).
    static var paths: [KernelPath] { KernelPath.allCases.filter(KernelPath.runs) }

    func testAVX512PathRunsWhereTheCPUHasIt() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            print("no /proc/cpuinfo: paths \(Self.paths)")
            return
        }
        let set = Set(flags.split(separator: " ").map(String.init))
        XCTAssertEqual(KernelPath.runs(.avx512), set.contains("avx512f") && set.contains("avx512dq"))
        print("kernel paths on this CPU: \(Self.paths.map(\.rawValue)); active by default: \(KernelPath.best)")
    }

    /// Arguments that reach every branch of the formulas: zeros, the cut at
    /// 22, overflow and underflow of 2^k, subnormals, NaN and infinities.
    static func mathArguments() -> [Double] {
        var rng = Xoshiro256(seed: 11, stream: "kernel-paths")
        let cut = 22.0, subnormal = Double.leastNormalMagnitude.nextDown
        var xs: [Double] = [0, -0.0, cut, -cut, cut.nextUp, cut.nextDown, .leastNonzeroMagnitude, -subnormal, .nan,
                            -.nan, .infinity, -.infinity, 700, -700, 709.7, -745, 0.34657359027997264, 1e-8, -3.5]
        for _ in 0..<5000 { xs.append((rng.nextDouble() * 2 - 1) * pow(10, rng.nextDouble() * 5 - 3)) }
        return xs
    }

    func testTanhAndExpBuffersSameBitsOnEveryPath() {
        let xs = Self.mathArguments()
        for f in ["tanh", "exp"] {
            // Lengths with every tail (1...17) and a long buffer.
            for n in Array(1...17) + [xs.count] {
                var results: [[UInt64]] = []
                for path in Self.paths {
                    let b = Buffer(n)
                    for i in 0..<n { b[i] = xs[(i * 7 + n) % xs.count] }
                    KernelPath.using(path) {
                        if f == "tanh" { FastMath.tanh(b.pointer, count: n) } else { FastMath.exp(b.pointer, count: n) }
                    }
                    results.append(b.array.map(\.bitPattern))
                }
                // The scalar formula is the reference.
                let ref = (0..<n).map { i -> UInt64 in
                    let x = xs[(i * 7 + n) % xs.count]
                    return (f == "tanh" ? FastMath.tanh(x) : FastMath.exp(x)).bitPattern
                }
                for (p, r) in zip(Self.paths, results) {
                    let nanSafe = zip(r, ref).allSatisfy { a, b in
                        a == b || (Double(bitPattern: a).isNaN && Double(bitPattern: b).isNaN)
                    }
                    XCTAssertTrue(nanSafe, "\(f) on \(p), n = \(n)")
                }
            }
        }
    }

    /// Every epilogue, transposes, bias, and shapes with partial tiles and
    /// panels (including the odd panel of the AVX-512 path's 16-wide tiles):
    /// the same bits on every path, equal to the naive chain.
    func testGEMMSameBitsOnEveryPathAndAsTheNaiveChain() {
        var rng = Xoshiro256(seed: 12, stream: "kernel-paths-gemm")
        let shapes = [(1, 1, 1), (8, 16, 3), (9, 17, 5), (48, 64, 64), (48, 2, 64), (48, 64, 1), (13, 24, 7),
                      (5, 40, 9), (64, 128, 48), (16, 8, 0)]
        XCTAssertEqual(gemmMismatchesOnEveryPath(Double.self, shapes: shapes, rng: &rng), [])
    }

    /// Xᵀ·G accumulated in row blocks (packed and in-place G panels) on every
    /// path: the bits of the naive chain over all rows.
    func testTransposedProductSameBitsOnEveryPath() {
        var rng = Xoshiro256(seed: 13, stream: "kernel-paths-xtg")
        let shapes = [(1, 64, 97), (64, 2, 50), (64, 64, 100), (16, 32, 48), (7, 13, 30), (128, 128, 49), (24, 16, 5)]
        XCTAssertEqual(transposedProductMismatchesOnEveryPath(Double.self, shapes: shapes, rng: &rng), [])
    }
}

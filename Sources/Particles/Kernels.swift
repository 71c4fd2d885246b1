/// The d-dimensional loops of a step, written with explicit 8-wide SIMD
/// (Swift does not reassociate floating-point sums, so a plain loop would not
/// vectorise). Summation order is fixed by the code and by d alone: lanes
/// j mod 8 accumulate separately, then the lanes are summed in order, then the
/// d mod 8 tail: the same bits on every run and any thread count. No fused
/// multiply-add is requested, so the bits do not depend on the CPU's flags.
enum Kernels {
    typealias V = SIMD8<Double>

    @inline(__always)
    static func load(_ p: UnsafePointer<Double>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// a·b over count entries.
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
        var acc = V(repeating: 0)
        var j = 0
        while j + 8 <= count {
            acc += load(a + j) * load(b + j)
            j += 8
        }
        var s = acc.sum()
        while j < count { s += a[j] * b[j]; j += 1 }
        return s
    }

    /// The per-sample pass over ε (model.md, "Finite-d simulations"): ε·D,
    /// and when `full`, ε·m_k and |ε|² too; when `sum` is given, sum += ε.
    /// One read of ε for all of them.
    @inline(__always)
    static func samplePass(_ eps: UnsafePointer<Double>, _ dvec: UnsafePointer<Double>, _ mk: UnsafePointer<Double>,
                           _ sum: UnsafeMutablePointer<Double>?, _ count: Int, full: Bool)
        -> (eD: Double, eM: Double, e2: Double) {
        var aD = V(repeating: 0), aM = V(repeating: 0), a2 = V(repeating: 0)
        var j = 0
        while j + 8 <= count {
            let e = load(eps + j)
            aD += e * load(dvec + j)
            if full {
                aM += e * load(mk + j)
                a2 += e * e
            }
            if let sum { store(load(sum + j) + e, sum + j) }
            j += 8
        }
        var eD = aD.sum(), eM = aM.sum(), e2 = a2.sum()
        while j < count {
            let e = eps[j]
            eD += e * dvec[j]
            if full { eM += e * mk[j]; e2 += e * e }
            if let sum { sum[j] += e }
            j += 1
        }
        return (eD, eM, e2)
    }
}

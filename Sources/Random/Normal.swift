import Foundation

/// Standard normal variates by the ziggurat method (Marsaglia & Tsang 2000,
/// in Doornik's 2005 "ZIGNOR" form, which fixes the original's correlation
/// between the layer index and the value): one 64-bit draw per variate in
/// ~98.8% of cases. The layer index takes the low 7 bits and the uniform the
/// top 53, so they are independent.
public enum Ziggurat {
    static let layers = 128
    static let r = 3.442619855899  // start of the tail
    static let v = 9.91256303526217e-3  // area of each layer

    /// x[i] (layer edges, x[0] = v / f(r) for the base strip) and ratio[i] = x[i+1]/x[i].
    public static let tables: (x: [Double], ratio: [Double]) = {
        var x = [Double](repeating: 0, count: layers + 1)
        var f = exp(-0.5 * r * r)
        x[0] = v / f
        x[1] = r
        x[layers] = 0
        for i in 2..<layers {
            x[i] = (-2 * log(v / x[i - 1] + f)).squareRoot()
            f = exp(-0.5 * x[i] * x[i])
        }
        let ratio = (0..<layers).map { x[$0 + 1] / x[$0] }
        return (x, ratio)
    }()
}

extension Xoshiro256 {
    /// One N(0, 1) variate.
    @inlinable
    public mutating func nextNormal() -> Double {
        let (x, ratio) = Ziggurat.tables
        return x.withUnsafeBufferPointer { xs in
            ratio.withUnsafeBufferPointer { rs in nextNormal(xs, rs) }
        }
    }

    /// Fills `buffer` with N(0, 1) variates (tables looked up once).
    @inlinable
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Double>) {
        let (x, ratio) = Ziggurat.tables
        x.withUnsafeBufferPointer { xs in
            ratio.withUnsafeBufferPointer { rs in
                for i in buffer.indices { buffer[i] = nextNormal(xs, rs) }
            }
        }
    }

    @inlinable @inline(__always)
    mutating func nextNormal(_ xs: UnsafeBufferPointer<Double>, _ rs: UnsafeBufferPointer<Double>) -> Double {
        while true {
            let bits = next()
            let i = Int(bits & 0x7f)
            let u = Double(Int64(bitPattern: bits) >> 11) * 0x1p-52  // uniform in [-1, 1)
            if abs(u) < rs[i] { return u * xs[i] }
            if i == 0 { return normalTail(negative: u < 0) }
            let x = u * xs[i]
            let f0 = exp(-0.5 * (xs[i] * xs[i] - x * x))
            let f1 = exp(-0.5 * (xs[i + 1] * xs[i + 1] - x * x))
            if f1 + nextDouble() * (f0 - f1) < 1.0 { return x }
        }
    }

    /// Marsaglia's tail method beyond r.
    @usableFromInline
    mutating func normalTail(negative: Bool) -> Double {
        let r = Ziggurat.r
        var x = 0.0, y = 0.0
        repeat {
            x = log(nextOpenDouble()) / r
            y = log(nextOpenDouble())
        } while -2 * y < x * x
        return negative ? x - r : r - x
    }
}

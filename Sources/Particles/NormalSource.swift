import Foundation
import Random

/// Standard normal variates for the Monte-Carlo gradients, built for
/// throughput (they are most of a step's work: 2·n·d per Euler step).
///
/// Words: four xoshiro256++ generators run in the lanes of a `SIMD4<UInt64>`
/// (one vector instruction advances all four), a buffer of `wordCount` words
/// at a time, word 4k + j being lane j's k-th output. Lane j is seeded with
/// four outputs of the project's `Xoshiro256(seed:stream:)` on stream
/// "<stream>/lane<j>", so a (seed, stream) pair names the whole sequence.
///
/// Normals: the same ZIGNOR ziggurat as `Random` (Doornik 2005, tables from
/// `Ziggurat.tables`): layer index from the low 7 bits, signed uniform from
/// the top 53; the rare rejections (≈1.2%) and the tail draw further words
/// from the same sequence, so the output is a pure function of (seed, stream).
/// A rejection step is decided by bounds of the density where they settle it
/// (`LayerSqueeze`), by `exp` otherwise: the same decisions, so the same
/// variates, as the plain form with two `exp`s per step.
public final class NormalSource {
    public static let wordCount = 256
    private var l0: SIMD4<UInt64>, l1: SIMD4<UInt64>, l2: SIMD4<UInt64>, l3: SIMD4<UInt64>
    private let words: UnsafeMutablePointer<UInt64>
    private var position: Int
    /// x[0...128], then ratio[0...127], then f[0...128] = exp(-x²/2) of the ziggurat.
    private let table: UnsafeMutablePointer<Double>
    private let ratioOffset: Int
    private let densityOffset: Int

    public init(seed: UInt64, stream: String) {
        var s = [[UInt64]](repeating: [0, 0, 0, 0], count: 4)
        for lane in 0..<4 {
            var g = Xoshiro256(seed: seed, stream: "\(stream)/lane\(lane)")
            for k in 0..<4 { s[k][lane] = g.next() }
            if s.allSatisfy({ $0[lane] == 0 }) { s[0][lane] = 1 }  // the all-zero state is a fixed point
        }
        l0 = SIMD4(s[0]); l1 = SIMD4(s[1]); l2 = SIMD4(s[2]); l3 = SIMD4(s[3])
        words = .allocate(capacity: Self.wordCount)
        position = Self.wordCount
        let (x, ratio) = Ziggurat.tables
        let f = x.map { exp(-0.5 * $0 * $0) }
        table = .allocate(capacity: x.count + ratio.count + f.count)
        table.initialize(from: x + ratio + f, count: x.count + ratio.count + f.count)
        ratioOffset = x.count
        densityOffset = x.count + ratio.count
    }

    deinit {
        words.deallocate()
        table.deallocate()
    }

    /// Shift counts of the two rotations, kept in memory: with constants,
    /// LLVM recognises the rotations and lowers them lane by lane to scalar
    /// `rol`s (no 64-bit vector rotate before AVX-512); as opaque values they
    /// stay two vector shifts and an or.
    private let shifts: (left23: SIMD4<UInt64>, right23: SIMD4<UInt64>, left45: SIMD4<UInt64>, right45: SIMD4<UInt64>)
        = (SIMD4(repeating: 23), SIMD4(repeating: 41), SIMD4(repeating: 45), SIMD4(repeating: 19))

    /// Refills the word buffer: `wordCount / 4` steps of the four lanes.
    private func refill() {
        var s0 = l0, s1 = l1, s2 = l2, s3 = l3
        let (l23, r23, l45, r45) = shifts
        let raw = UnsafeMutableRawPointer(words)
        for k in 0..<(Self.wordCount / 4) {
            let sum = s0 &+ s3
            let result = ((sum &<< l23) | (sum &>> r23)) &+ s0
            let t = s1 &<< 17
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
            s2 ^= t
            s3 = (s3 &<< l45) | (s3 &>> r45)
            raw.storeBytes(of: result, toByteOffset: 32 * k, as: SIMD4<UInt64>.self)
        }
        l0 = s0; l1 = s1; l2 = s2; l3 = s3
        position = 0
    }

    /// The next raw 64-bit word.
    @inline(__always)
    public func nextWord() -> UInt64 {
        if position == Self.wordCount { refill() }
        let w = words[position]
        position &+= 1
        return w
    }

    /// `count` N(0, 1) variates into `out`.
    public func fill(_ out: UnsafeMutablePointer<Double>, count: Int) {
        let xs = UnsafePointer(table), rs = UnsafePointer(table + ratioOffset)
        var j = 0
        while j < count {
            // Fast path in bulk: as many words as are buffered or needed.
            if position == Self.wordCount { refill() }
            var p = position
            let end = min(Self.wordCount, p + (count - j))
            var slow = false
            while p < end {
                let bits = words[p]
                p &+= 1
                let i = Int(bits & 0x7f)
                let u = Double(Int64(bitPattern: bits) &>> 11) * 0x1p-52  // uniform in [-1, 1)
                if abs(u) < rs[i] {
                    out[j] = u * xs[i]
                    j &+= 1
                } else {
                    position = p
                    slow = true
                    if let v = slowPath(i, u, xs) { out[j] = v; j &+= 1 }
                    break  // the slow path draws words (and may refill): reload
                }
            }
            if !slow { position = p }
        }
    }

    /// The ziggurat's rejection step (layer edge or tail), drawing further
    /// words; nil means "rejected, draw again".
    @inline(never)
    private func slowPath(_ i: Int, _ u: Double, _ xs: UnsafePointer<Double>) -> Double? {
        if i == 0 {
            // Marsaglia's tail method beyond r.
            let r = xs[1]  // x[1] is the start of the tail
            var x = 0.0, y = 0.0
            repeat {
                x = log(openUniform(nextWord())) / r
                y = log(openUniform(nextWord()))
            } while -2 * y < x * x
            return u < 0 ? x - r : r - x
        }
        let x = u * xs[i]
        let uniform = Double(nextWord() >> 11) * 0x1p-53
        let fs = UnsafePointer(table + densityOffset)
        return LayerSqueeze.accepts(x: x, outer: xs[i], inner: xs[i + 1], fOuter: fs[i], fInner: fs[i + 1],
                                    uniform: uniform) ? x : nil
    }

    @inline(__always)
    private func openUniform(_ w: UInt64) -> Double { (Double(w >> 12) + 0.5) * 0x1p-52 }
}

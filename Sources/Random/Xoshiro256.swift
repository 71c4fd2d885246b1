/// xoshiro256++ (Blackman & Vigna, 2019): a small-state, fast 64-bit PRNG
/// whose algorithm this project owns, so a seed means the same numbers on
/// every machine and Swift version (the standard library's generators and
/// `Double.random(in:using:)` are unspecified internals).
///
/// Streams: `init(seed:stream:)` derives the 256-bit state with SplitMix64
/// from the seed and a stream label, so (seed, "init") and (seed, "mc") are
/// independent and neither depends on how many other seeds run or in what
/// order.
public struct Xoshiro256: Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, stream: String = "") {
        var sm = SplitMix64(state: seed ^ Xoshiro256.fnv1a(stream))
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is a fixed point
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = (s0 &+ s3).rotl(23) &+ s0
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3.rotl(45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in (0, 1): never 0, safe under `log`.
    @inlinable @inline(__always)
    public mutating func nextOpenDouble() -> Double {
        (Double(next() >> 12) + 0.5) * 0x1p-52
    }

    /// Uniform integer in 0..<n (Lemire's nearly-divisionless method).
    @inlinable
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// 64-bit FNV-1a of the UTF-8 bytes: turns a stream label into a number.
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014), used only to expand seeds.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    @inlinable @inline(__always)
    func rotl(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}

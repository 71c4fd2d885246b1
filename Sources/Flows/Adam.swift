import CFlowKernels
import Foundation

/// Adam (Kingma & Ba 2015) on a flat parameter vector, with optional clipping
/// of the gradient's global L2 norm. Allocates its moments once.
public final class Adam {
    public struct Config: Sendable, Equatable {
        public var learningRate: Double
        public var beta1: Double
        public var beta2: Double
        public var epsilon: Double
        /// Rescale the gradient to this L2 norm when it is larger (nil: never).
        public var clipNorm: Double?
        /// Linear decay of the learning rate to 0 at this step (nil: constant).
        public var decaySteps: Int?
        /// A late step down: from update `lateFrom` on (0-based, counting
        /// every update), the rate is multiplied by `lateFactor`. nil: none.
        /// Late in training Adam's step is ~lr per parameter whatever the
        /// gradient, so a covering flow can be kicked out of its basin; a
        /// smaller late rate tests whether such a collapse is the optimiser's.
        public var lateStep: LateStep?
        public struct LateStep: Sendable, Equatable {
            public var factor: Double
            public var fromStep: Int
            public init(factor: Double, fromStep: Int) {
                self.factor = factor
                self.fromStep = fromStep
            }
        }
        public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                    epsilon: Double = 1e-8, clipNorm: Double? = nil, decaySteps: Int? = nil, lateStep: LateStep? = nil) {
            self.decaySteps = decaySteps
            self.lateStep = lateStep
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.clipNorm = clipNorm
        }
    }

    public let config: Config
    let m: Buffer, v: Buffer
    public private(set) var steps = 0
    var beta1t = 1.0, beta2t = 1.0  // β^t by repeated products (no pow)

    public init(count: Int, config: Config) {
        self.config = config
        m = Buffer(count)
        v = Buffer(count)
    }

    public func update(_ params: UnsafeMutablePointer<Double>, gradient g: UnsafePointer<Double>) {
        steps += 1
        beta1t *= config.beta1
        beta2t *= config.beta2
        var scale = 1.0
        if let clip = config.clipNorm {
            var n2 = 0.0
            for i in 0..<m.count { n2 += g[i] * g[i] }
            let norm = n2.squareRoot()
            if norm > clip { scale = clip / norm }
        }
        let b1 = config.beta1, b2 = config.beta2
        var lr = config.learningRate
        if let t = config.decaySteps, t > 0 { lr *= max(0, 1 - Double(steps - 1) / Double(t)) }
        if let late = config.lateStep, steps - 1 >= late.fromStep { lr *= late.factor }
        let c1 = 1 / (1 - beta1t), c2 = 1 / (1 - beta2t), eps = config.epsilon
        let mp = m.pointer, vp = v.pointer, count = m.count
        // Four parameters at a time, then the rest one by one: the same
        // operations, lane for lane, in the same order (no fused forms), so
        // the bits do not depend on the split.
        let raw = UnsafeRawPointer(g), rm = UnsafeMutableRawPointer(mp), rv = UnsafeMutableRawPointer(vp)
        let rp = UnsafeMutableRawPointer(params)
        var i = 0
        if FastMath.avx2 {
            // The same operations, four vectors at a time (adam_avx2.c).
            i = cfk_adam_avx2(params, mp, vp, g, count, scale, b1, 1 - b1, b2, 1 - b2, lr, c1, c2, eps)
        }
        while i + 4 <= count {
            let o = i &* 8
            let gi = raw.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) * scale
            let mi = b1 * rm.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) + (1 - b1) * gi
            let vi = b2 * rv.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) + (1 - b2) * gi * gi
            rm.storeBytes(of: mi, toByteOffset: o, as: SIMD4<Double>.self)
            rv.storeBytes(of: vi, toByteOffset: o, as: SIMD4<Double>.self)
            let pi = rp.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
            let step = lr * (mi * c1) / ((vi * c2).squareRoot() + eps)
            rp.storeBytes(of: pi - step, toByteOffset: o, as: SIMD4<Double>.self)
            i += 4
        }
        while i < count {
            let gi = g[i] * scale
            mp[i] = b1 * mp[i] + (1 - b1) * gi
            vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
            params[i] -= lr * (mp[i] * c1) / ((vp[i] * c2).squareRoot() + eps)
            i += 1
        }
    }
}

import Foundation
import Random

/// A RealNVP flow: a standard normal base and a chain of affine couplings,
/// x = T(z) = f_L ∘ ... ∘ f_1(z). The parameters are one flat vector (all
/// layers', in order), so the optimiser sees a single array.
public struct RealNVP: Sendable {
    public let architecture: FlowArchitecture
    public let layers: [AffineCoupling]
    public let paramCount: Int

    public var dim: Int { architecture.dim }

    /// The masks are drawn from `(maskSeed, "flows.masks")`.
    public init(_ architecture: FlowArchitecture, maskSeed: UInt64) {
        precondition(architecture.dim >= 2 && architecture.couplingLayers >= 1)
        precondition(!architecture.hidden.isEmpty && architecture.hidden.allSatisfy { $0 >= 1 })
        self.architecture = architecture
        var rng = Xoshiro256(seed: maskSeed, stream: "flows.masks")
        var o = 0, layers: [AffineCoupling] = []
        for cond in architecture.conditioningSets(rng: &rng) {
            let l = AffineCoupling(dim: architecture.dim, cond: cond, hidden: architecture.hidden,
                                   activation: architecture.activation, offset: o)
            o += l.paramCount
            layers.append(l)
        }
        self.layers = layers
        paramCount = o
    }

    /// Initial parameters drawn from `(seed, "flows.init")`, layer by layer.
    public func initialParameters(seed: UInt64) -> Buffer {
        var rng = Xoshiro256(seed: seed, stream: "flows.init")
        let p = Buffer(paramCount)
        for l in layers { l.initialize(p.pointer, lastLayerScale: architecture.lastLayerScale, rng: &rng) }
        return p
    }

    /// Floating-point operations of one forward pass (2 per multiply-add of the
    /// dense layers) on `rows` rows; a backward pass with input gradients costs
    /// twice that.
    public func denseFlops(rows: Int) -> Double {
        var f = 0.0
        for l in layers {
            for j in 0..<l.denseCount { f += 2 * Double(rows * l.widths[j] * l.widths[j + 1]) }
        }
        return f
    }

    // MARK: the chain

    /// x = T(z): reads `ws.states[0]`, fills every `ws.states[l]` and the
    /// per-row log|det ∂x/∂z| in `ws.logDet`.
    public func forward<T: FlowScalar>(rows n: Int, params: UnsafePointer<T>, workspace ws: FlowWorkspaceOf<T>) {
        precondition(n <= ws.capacity)
        ws.logDet.pointer.update(repeating: 0, count: n)
        for (l, layer) in layers.enumerated() {
            layer.forward(rows: n, z: ws.states[l].pointer, x: ws.states[l + 1].pointer, logDet: ws.logDet.pointer,
                          params: params, cache: ws.caches[l], scratch: ws.back.scratch.pointer)
        }
    }

    /// Reverse mode through the last `forward`: `ws.gradX` holds ∂L/∂x on entry;
    /// ∂L/∂θ is written to `grad`. `logDetWeight` = ∂L/∂logDet (every row).
    public func backward<T: FlowScalar>(rows n: Int, params: UnsafePointer<T>, grad: UnsafeMutablePointer<T>,
                         logDetWeight: T, workspace ws: FlowWorkspaceOf<T>) {
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            layers[l].backward(rows: n, z: ws.states[l].pointer, g: ws.gradX.pointer, logDetWeight: logDetWeight,
                               params: params, grad: grad, inputGradient: l > 0,
                               cache: ws.caches[l], work: ws.back)
        }
    }

    /// log N(z; 0, I) of one row.
    @inline(__always)
    public func baseLogDensity<T: FlowScalar>(_ z: UnsafePointer<T>) -> Double {
        var q = 0.0
        for i in 0..<dim { q += Double(z[i]) * Double(z[i]) }
        return -0.5 * q - 0.5 * Double(dim) * RealNVP.log2pi
    }

    static let log2pi = Foundation.log(2 * Double.pi)

    /// z = T⁻¹(x) for `count` points (row-major count × d) and the per-point
    /// log|det ∂z/∂x|, `ws.capacity` rows at a time.
    public func inverse<T: FlowScalar>(points: UnsafePointer<T>, count: Int, params: UnsafePointer<T>,
                        workspace ws: FlowWorkspaceOf<T>, base z: UnsafeMutablePointer<T>,
                        logDet: UnsafeMutablePointer<T>) {
        let d = dim, buf = ws.states[0].pointer, ld = ws.logDet.pointer
        var start = 0
        while start < count {
            let n = min(ws.capacity, count - start)
            if points + start * d != UnsafePointer(buf) { buf.update(from: points + start * d, count: n * d) }
            ld.update(repeating: 0, count: n)
            for l in stride(from: layers.count - 1, through: 0, by: -1) {
                layers[l].inverse(rows: n, x: buf, z: buf, logDet: ld, params: params, cache: ws.caches[l],
                                  scratch: ws.back.scratch.pointer)
            }
            if z + start * d != buf { (z + start * d).update(from: buf, count: n * d) }
            if logDet + start != ld { (logDet + start).update(from: ld, count: n) }
            start += n
        }
    }

    /// log q(x) = log N(T⁻¹(x)) + log|det ∂T⁻¹/∂x| for `count` points.
    public func logDensity<T: FlowScalar>(points: UnsafePointer<T>, count: Int, params: UnsafePointer<T>,
                           workspace ws: FlowWorkspaceOf<T>, into out: UnsafeMutablePointer<Double>) {
        let d = dim, buf = ws.states[0].pointer, ld = ws.logDet.pointer
        var start = 0
        while start < count {
            let n = min(ws.capacity, count - start)
            inverse(points: points + start * d, count: n, params: params, workspace: ws, base: buf, logDet: ld)
            for b in 0..<n { out[start + b] = baseLogDensity(buf + b * d) + Double(ld[b]) }
            start += n
        }
    }

    /// x = T(z) for `count` base points, `ws.capacity` rows at a time.
    public func transform<T: FlowScalar>(base z: UnsafePointer<T>, count: Int, params: UnsafePointer<T>,
                          workspace ws: FlowWorkspaceOf<T>, into x: UnsafeMutablePointer<T>) {
        let d = dim
        var start = 0
        while start < count {
            let n = min(ws.capacity, count - start)
            ws.states[0].pointer.update(from: z + start * d, count: n * d)
            forward(rows: n, params: params, workspace: ws)
            x.advanced(by: start * d).update(from: ws.states[layers.count].pointer, count: n * d)
            start += n
        }
    }
}

/// Every buffer a flow needs for batches of up to `capacity` rows, allocated
/// once.
public final class FlowWorkspaceOf<T: FlowScalar> {
    public let capacity: Int
    /// states[l] = input of layer l (rows × d); states[L] = x.
    public let states: [ScalarBuffer<T>]
    public let logDet: ScalarBuffer<T>
    /// ∂L/∂x on entry to `backward`.
    public let gradX: ScalarBuffer<T>
    let caches: [CouplingCacheOf<T>]
    let back: BackwardBuffersOf<T>

    public init(_ flow: RealNVP, capacity r: Int) {
        precondition(r >= 1)
        capacity = r
        states = (0...flow.layers.count).map { _ in ScalarBuffer(r * flow.dim) }
        logDet = ScalarBuffer(r)
        gradX = ScalarBuffer(r * flow.dim)
        caches = flow.layers.map { CouplingCacheOf($0, capacity: r) }
        let outputWidth = flow.layers.map { $0.widths.last! }.max()!
        let scratch = flow.layers.map { $0.scratchSize(T.self) }.max()!
        back = BackwardBuffersOf(capacity: r, outputWidth: outputWidth, scratch: scratch)
    }
}

public typealias FlowWorkspace = FlowWorkspaceOf<Double>

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
    public func forward(rows n: Int, params: UnsafePointer<Double>, workspace ws: FlowWorkspace) {
        precondition(n <= ws.capacity)
        ws.logDet.pointer.update(repeating: 0, count: n)
        for (l, layer) in layers.enumerated() {
            layer.forward(rows: n, z: ws.states[l].pointer, x: ws.states[l + 1].pointer, logDet: ws.logDet.pointer,
                          params: params, cache: ws.caches[l], scratch: ws.back.scratch.pointer)
        }
    }

    /// Reverse mode through the last `forward`: `ws.gradX` holds ∂L/∂x on entry;
    /// ∂L/∂θ is written to `grad`. `logDetWeight` = ∂L/∂logDet (every row).
    public func backward(rows n: Int, params: UnsafePointer<Double>, grad: UnsafeMutablePointer<Double>,
                         logDetWeight: Double, workspace ws: FlowWorkspace) {
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            layers[l].backward(rows: n, z: ws.states[l].pointer, g: ws.gradX.pointer, logDetWeight: logDetWeight,
                               params: params, grad: grad, inputGradient: l > 0,
                               cache: ws.caches[l], work: ws.back)
        }
    }

    /// log N(z; 0, I) of one row.
    @inline(__always)
    public func baseLogDensity(_ z: UnsafePointer<Double>) -> Double {
        var q = 0.0
        for i in 0..<dim { q += z[i] * z[i] }
        return -0.5 * q - 0.5 * Double(dim) * RealNVP.log2pi
    }

    static let log2pi = Foundation.log(2 * Double.pi)

    /// z = T⁻¹(x) for `count` points (row-major count × d) and the per-point
    /// log|det ∂z/∂x|, `ws.capacity` rows at a time.
    public func inverse(points: UnsafePointer<Double>, count: Int, params: UnsafePointer<Double>,
                        workspace ws: FlowWorkspace, base z: UnsafeMutablePointer<Double>,
                        logDet: UnsafeMutablePointer<Double>) {
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
    public func logDensity(points: UnsafePointer<Double>, count: Int, params: UnsafePointer<Double>,
                           workspace ws: FlowWorkspace, into out: UnsafeMutablePointer<Double>) {
        let d = dim, buf = ws.states[0].pointer, ld = ws.logDet.pointer
        var start = 0
        while start < count {
            let n = min(ws.capacity, count - start)
            inverse(points: points + start * d, count: n, params: params, workspace: ws, base: buf, logDet: ld)
            for b in 0..<n { out[start + b] = baseLogDensity(buf + b * d) + ld[b] }
            start += n
        }
    }

    /// x = T(z) for `count` base points, `ws.capacity` rows at a time.
    public func transform(base z: UnsafePointer<Double>, count: Int, params: UnsafePointer<Double>,
                          workspace ws: FlowWorkspace, into x: UnsafeMutablePointer<Double>) {
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
public final class FlowWorkspace {
    public let capacity: Int
    /// states[l] = input of layer l (rows × d); states[L] = x.
    public let states: [Buffer]
    public let logDet: Buffer
    /// ∂L/∂x on entry to `backward`.
    public let gradX: Buffer
    let caches: [CouplingCache]
    let back: BackwardBuffers

    public init(_ flow: RealNVP, capacity r: Int) {
        precondition(r >= 1)
        capacity = r
        states = (0...flow.layers.count).map { _ in Buffer(r * flow.dim) }
        logDet = Buffer(r)
        gradX = Buffer(r * flow.dim)
        caches = flow.layers.map { CouplingCache($0, capacity: r) }
        let outputWidth = flow.layers.map { $0.widths.last! }.max()!
        let scratch = flow.layers.map(\.scratchSize).max()!
        back = BackwardBuffers(capacity: r, outputWidth: outputWidth, scratch: scratch)
    }
}

import Random

/// One affine coupling layer (RealNVP, Dinh et al. 2017) as a bijector on a
/// batch of row vectors:
///
///     x_c = z_c,    x_t = z_t ⊙ exp(s) + t,    (ŝ, t) = NN(z_c),  s = tanh(ŝ)
///     log|det ∂x/∂z| = Σ s
///
/// c = the conditioning coordinates, t = the transformed ones. The conditioner
/// NN is an MLP k → H₁ → ... → 2m (m = #transformed), its first m outputs the
/// raw log-scale, the next m the shift.
///
/// The conditioner of figures.md "takes the masked d-vector"; feeding it only
/// the k unmasked coordinates is the same function (the masked inputs are zero,
/// so their weights neither act nor receive gradient) at half the cost. The
/// first layer's initial variance keeps fan-in d to match.
///
/// Parameters live in the flow's flat vector at `offset`: per dense layer j,
/// W_j (in × out, row-major) then b_j (out).
public struct AffineCoupling: Sendable {
    public let dim: Int
    public let cond: [Int]
    public let trans: [Int]
    /// [k, H₁, ..., Hₙ, 2m]
    public let widths: [Int]
    public let activation: Activation
    public let offset: Int
    public let weightOffsets: [Int]
    public let biasOffsets: [Int]
    public let paramCount: Int

    public init(dim: Int, cond: [Int], hidden: [Int], activation: Activation, offset: Int) {
        self.dim = dim
        self.cond = cond
        self.trans = (0..<dim).filter { !cond.contains($0) }
        self.widths = [cond.count] + hidden + [2 * (dim - cond.count)]
        self.activation = activation
        self.offset = offset
        var w: [Int] = [], b: [Int] = [], o = offset
        for j in 0..<(widths.count - 1) {
            w.append(o); o += widths[j] * widths[j + 1]
            b.append(o); o += widths[j + 1]
        }
        weightOffsets = w
        biasOffsets = b
        paramCount = o - offset
    }

    var denseCount: Int { widths.count - 1 }
    var k: Int { cond.count }
    var m: Int { trans.count }

    /// Initial parameters: hidden layers LeCun-normal (variance 1/fan-in, the
    /// first with fan-in d), last layer N(0, c²/H), biases zero.
    func initialize(_ p: UnsafeMutablePointer<Double>, lastLayerScale c: Double, rng: inout Xoshiro256) {
        for j in 0..<denseCount {
            let fanIn = j == 0 ? dim : widths[j]
            let sd = j == denseCount - 1 ? c / Double(widths[j]).squareRoot() : 1 / Double(fanIn).squareRoot()
            let w = p + weightOffsets[j]
            for i in 0..<(widths[j] * widths[j + 1]) { w[i] = sd * rng.nextNormal() }
            (p + biasOffsets[j]).update(repeating: 0, count: widths[j + 1])
        }
    }

    // MARK: conditioner

    /// Rows per block of the conditioner's passes: a block's activations and
    /// gradients (≤ 48 × width doubles each) stay in L1/L2 from one layer to
    /// the next, instead of a whole batch's going through memory.
    static let blockRows = 48

    /// Values of B packed for the forward products (every layer's W).
    func forwardPackSize<T: FlowScalar>(_: T.Type) -> Int {
        (0..<denseCount).reduce(0) { $0 + GEMMOf<T>.scratchSize(m: 0, n: widths[$1 + 1], k: widths[$1]) }
    }

    /// Values of B packed for the backward products (every layer's Wᵀ).
    func backwardPackSize<T: FlowScalar>(_: T.Type) -> Int {
        (0..<denseCount).reduce(0) { $0 + GEMMOf<T>.scratchSize(m: 0, n: widths[$1], k: widths[$1 + 1]) }
    }

    /// Values of scratch that `forward`, `inverse` and `backward` need.
    func scratchSize<T: FlowScalar>(_: T.Type) -> Int {
        let r = Self.blockRows, w = widths.max()!
        return max(forwardPackSize(T.self),
                   backwardPackSize(T.self) + 2 * r * w + GEMMOf<T>.transposedProductScratch(m: w, n: w, rows: r))
    }

    /// Runs the conditioner on `cache.condIn` (rows × k) into `cache.out`:
    /// every W packed once, then the rows in blocks through all layers.
    func conditioner<T: FlowScalar>(rows n: Int, params p: UnsafePointer<T>, cache: CouplingCacheOf<T>, scratch: UnsafeMutablePointer<T>) {
        var off = 0
        for j in 0..<denseCount {
            GEMMOf<T>.packB(n: widths[j + 1], k: widths[j], b: .rows(p + weightOffsets[j], ld: widths[j + 1]),
                       into: scratch + off)
            off += GEMMOf<T>.scratchSize(m: 0, n: widths[j + 1], k: widths[j])
        }
        let epi: GEMMOf<T>.Epilogue = activation == .tanh ? .tanh : .relu
        var r0 = 0
        while r0 < n {
            let rows = min(Self.blockRows, n - r0)
            var input = UnsafePointer(cache.condIn.pointer + r0 * k)
            var packed = UnsafePointer(scratch)
            for j in 0..<denseCount {
                let last = j == denseCount - 1, fin = widths[j], fout = widths[j + 1]
                let dst = (last ? cache.out.pointer : cache.hidden[j].pointer) + r0 * fout
                GEMMOf<T>.multiply(m: rows, n: fout, k: fin, a: .rows(input, ld: fin), packedB: packed,
                              bias: p + biasOffsets[j], c: dst, ldc: fout, epilogue: last ? .none : epi)
                packed += GEMMOf<T>.scratchSize(m: 0, n: fout, k: fin)
                input = UnsafePointer(dst)
            }
            r0 += rows
        }
    }

    /// s = tanh(ŝ) and e = exp(±s) from the conditioner's output, contiguous rows × m.
    func scales<T: FlowScalar>(rows n: Int, cache: CouplingCacheOf<T>, sign: T) {
        let m = self.m, out = cache.out.pointer, s = cache.s.pointer, e = cache.e.pointer
        for b in 0..<n { (s + b * m).update(from: out + b * 2 * m, count: m) }
        T.tanhInPlace(s, count: n * m)
        for i in 0..<(n * m) { e[i] = sign * s[i] }
        T.expInPlace(e, count: n * m)
    }

    func gather<T: FlowScalar>(rows n: Int, from z: UnsafePointer<T>, into cache: CouplingCacheOf<T>) {
        let k = self.k, d = dim, ci = cache.condIn.pointer
        cond.withUnsafeBufferPointer { cond in
            for b in 0..<n {
                for i in 0..<k { ci[b * k + i] = z[b * d + cond[i]] }
            }
        }
    }

    // MARK: bijector

    /// x = f(z) for `rows` rows; adds log|det| per row to `logDet`. Leaves in
    /// `cache` what `backward` needs.
    public func forward<T: FlowScalar>(rows n: Int, z: UnsafePointer<T>, x: UnsafeMutablePointer<T>,
                        logDet: UnsafeMutablePointer<T>, params: UnsafePointer<T>,
                        cache: CouplingCacheOf<T>, scratch: UnsafeMutablePointer<T>) {
        gather(rows: n, from: z, into: cache)
        conditioner(rows: n, params: params, cache: cache, scratch: scratch)
        scales(rows: n, cache: cache, sign: 1)
        let d = dim, m = self.m
        let out = cache.out.pointer, s = cache.s.pointer, e = cache.e.pointer
        trans.withUnsafeBufferPointer { trans in
            for b in 0..<n {
                if UnsafePointer(x) != z { (x + b * d).update(from: z + b * d, count: d) }
                var ld: T = 0
                for j in 0..<m {
                    let i = b * d + trans[j]
                    x[i] = out[b * 2 * m + m + j].addingProduct(z[i], e[b * m + j])
                    ld += s[b * m + j]
                }
                logDet[b] += ld
            }
        }
    }

    /// z = f⁻¹(x) (in place allowed); adds log|det ∂z/∂x| = -Σ s per row to `logDet`.
    public func inverse<T: FlowScalar>(rows n: Int, x: UnsafePointer<T>, z: UnsafeMutablePointer<T>,
                        logDet: UnsafeMutablePointer<T>, params: UnsafePointer<T>,
                        cache: CouplingCacheOf<T>, scratch: UnsafeMutablePointer<T>) {
        gather(rows: n, from: x, into: cache)
        conditioner(rows: n, params: params, cache: cache, scratch: scratch)
        scales(rows: n, cache: cache, sign: -1)
        let d = dim, m = self.m
        let out = cache.out.pointer, s = cache.s.pointer, e = cache.e.pointer
        trans.withUnsafeBufferPointer { trans in
            for b in 0..<n {
                if UnsafePointer(z) != x { (z + b * d).update(from: x + b * d, count: d) }
                var ld: T = 0
                for j in 0..<m {
                    let i = b * d + trans[j]
                    z[i] = (x[i] - out[b * 2 * m + m + j]) * e[b * m + j]
                    ld += s[b * m + j]
                }
                logDet[b] -= ld
            }
        }
    }

    /// Reverse mode through `forward` (whose input was `z`, cache still
    /// filled). On entry `g` holds ∂L/∂x; on exit ∂L/∂z (unless `inputGradient`
    /// is false, when it is left partial). `logDetWeight` is ∂L/∂logDet, the
    /// same for every row. Writes ∂L/∂θ of this layer into `grad` (at the
    /// same offsets as the params).
    public func backward<T: FlowScalar>(rows n: Int, z: UnsafePointer<T>, g: UnsafeMutablePointer<T>,
                         logDetWeight: T, params p: UnsafePointer<T>,
                         grad: UnsafeMutablePointer<T>, inputGradient: Bool,
                         cache: CouplingCacheOf<T>, work: BackwardBuffersOf<T>) {
        let d = dim, m = self.m, k = self.k
        let s = cache.s.pointer, e = cache.e.pointer
        let gcur = work.a.pointer
        // ∂L/∂(ŝ, t), and ∂L/∂z_t = ∂L/∂x_t ⊙ e^s.
        trans.withUnsafeBufferPointer { trans in
            for b in 0..<n {
                for j in 0..<m {
                    let i = b * d + trans[j], r = b * m + j
                    let gx = g[i], sv = s[r]
                    let gs = gx * z[i] * e[r] + logDetWeight  // ∂x_t/∂s = z_t e^s, ∂logDet/∂s = 1
                    gcur[b * 2 * m + j] = gs * (1 - sv * sv)
                    gcur[b * 2 * m + m + j] = gx
                    g[i] = gx * e[r]
                }
            }
        }
        // Back through the dense layers, in blocks of rows: each block's
        // gradients go down all layers while they are in cache. ∂W and ∂b
        // are sums over rows, accumulated block after block in row order,
        // so every entry is the same chain as one product over the batch.
        let sc = work.scratch.pointer
        var off = 0
        for j in 0..<denseCount {
            let fin = widths[j], fout = widths[j + 1]
            (grad + weightOffsets[j]).update(repeating: 0, count: fin * fout)
            (grad + biasOffsets[j]).update(repeating: 0, count: fout)
            if j > 0 || inputGradient {
                GEMMOf<T>.packB(n: fin, k: fout, b: .transposed(p + weightOffsets[j], ld: fout), into: sc + off)
            }
            off += GEMMOf<T>.scratchSize(m: 0, n: fin, k: fout)
        }
        let r = Self.blockRows, w = widths.max()!
        let blockA = sc + off, blockB = blockA + r * w, panel = blockB + r * w
        var r0 = 0
        while r0 < n {
            let rows = min(r, n - r0)
            var gc = UnsafePointer(gcur + r0 * 2 * m)
            var next = blockA, spare = blockB
            var packedEnd = off
            for j in stride(from: denseCount - 1, through: 0, by: -1) {
                let fin = widths[j], fout = widths[j + 1]
                packedEnd -= GEMMOf<T>.scratchSize(m: 0, n: fin, k: fout)
                let input = UnsafePointer((j == 0 ? cache.condIn.pointer : cache.hidden[j - 1].pointer) + r0 * fin)
                GEMMOf<T>.accumulateTransposedProduct(m: fin, n: fout, rows: rows, x: input, ldx: fin, g: gc, ldg: fout,
                                                 c: grad + weightOffsets[j], ldc: fout, scratch: panel)
                accumulateColumnSums(gc, rows: rows, cols: fout, into: grad + biasOffsets[j])
                if j > 0 {
                    let epi: GEMMOf<T>.Epilogue = activation == .tanh ? .tanhGrad(input) : .reluGrad(input)
                    GEMMOf<T>.multiply(m: rows, n: fin, k: fout, a: .rows(gc, ld: fout), packedB: sc + packedEnd, bias: nil,
                                  c: next, ldc: fin, epilogue: epi)
                    gc = UnsafePointer(next)
                    swap(&next, &spare)
                } else if inputGradient {
                    GEMMOf<T>.multiply(m: rows, n: fin, k: fout, a: .rows(gc, ld: fout), packedB: sc + packedEnd, bias: nil,
                                  c: next, ldc: fin, epilogue: .none)
                    cond.withUnsafeBufferPointer { cond in
                        for b in 0..<rows {
                            for i in 0..<k { g[(r0 + b) * d + cond[i]] += next[b * k + i] }
                        }
                    }
                }
            }
            r0 += rows
        }
    }
}

/// db[j] += Σ_b g[b, j], rows added in order 0, 1, ... (a panel's width of
/// columns at a time): called on consecutive row blocks, the same chain as one sum.
func accumulateColumnSums<T: FlowScalar>(_ g: UnsafePointer<T>, rows n: Int, cols: Int, into db: UnsafeMutablePointer<T>) {
    var j = 0
    let w = T.Panel.scalarCount
    while j + w <= cols {
        var acc = UnsafeRawPointer(db + j).loadUnaligned(as: T.Panel.self)
        for b in 0..<n { acc += UnsafeRawPointer(g + b * cols + j).loadUnaligned(as: T.Panel.self) }
        UnsafeMutableRawPointer(db + j).storeBytes(of: acc, as: T.Panel.self)
        j += w
    }
    while j < cols {
        var acc = db[j]
        for b in 0..<n { acc += g[b * cols + j] }
        db[j] = acc
        j += 1
    }
}

/// What one coupling layer keeps from its forward pass, for `rows` ≤ capacity.
public final class CouplingCacheOf<T: FlowScalar> {
    let condIn: ScalarBuffer<T>
    let hidden: [ScalarBuffer<T>]
    let out: ScalarBuffer<T>
    let s: ScalarBuffer<T>
    let e: ScalarBuffer<T>

    public init(_ layer: AffineCoupling, capacity r: Int) {
        condIn = ScalarBuffer(r * layer.k)
        hidden = layer.widths.dropFirst().dropLast().map { ScalarBuffer(r * $0) }
        out = ScalarBuffer(r * 2 * layer.m)
        s = ScalarBuffer(r * layer.m)
        e = ScalarBuffer(r * layer.m)
    }
}

public typealias CouplingCache = CouplingCacheOf<Double>

/// Scratch shared by all layers' passes.
public final class BackwardBuffersOf<T: FlowScalar> {
    /// ∂L/∂(ŝ, t) of a whole batch.
    let a: ScalarBuffer<T>
    public let scratch: ScalarBuffer<T>

    /// Enough for `layer` on up to `capacity` rows.
    public convenience init(_ layer: AffineCoupling, capacity r: Int) {
        self.init(capacity: r, outputWidth: layer.widths.last!, scratch: layer.scratchSize(T.self))
    }

    init(capacity r: Int, outputWidth: Int, scratch: Int) {
        precondition(r >= 1 && outputWidth >= 1)
        a = ScalarBuffer(r * outputWidth)
        self.scratch = ScalarBuffer(scratch)
    }
}

public typealias BackwardBuffers = BackwardBuffersOf<Double>

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

    /// Runs the conditioner on `cache.condIn` (rows × k) into `cache.out`.
    func conditioner(rows n: Int, params p: UnsafePointer<Double>, cache: CouplingCache, scratch: UnsafeMutablePointer<Double>) {
        var input = UnsafePointer(cache.condIn.pointer)
        for j in 0..<denseCount {
            let last = j == denseCount - 1
            let dst = last ? cache.out.pointer : cache.hidden[j].pointer
            let epi: GEMM.Epilogue = last ? .none : (activation == .tanh ? .tanh : .relu)
            GEMM.multiply(m: n, n: widths[j + 1], k: widths[j], a: .rows(input, ld: widths[j]),
                          b: .rows(p + weightOffsets[j], ld: widths[j + 1]), bias: p + biasOffsets[j],
                          c: dst, ldc: widths[j + 1], epilogue: epi, scratch: scratch)
            input = UnsafePointer(dst)
        }
    }

    /// s = tanh(ŝ) and e = exp(±s) from the conditioner's output, contiguous rows × m.
    func scales(rows n: Int, cache: CouplingCache, sign: Double) {
        let m = self.m, out = cache.out.pointer, s = cache.s.pointer, e = cache.e.pointer
        for b in 0..<n { (s + b * m).update(from: out + b * 2 * m, count: m) }
        FastMath.tanh(s, count: n * m)
        for i in 0..<(n * m) { e[i] = sign * s[i] }
        FastMath.exp(e, count: n * m)
    }

    func gather(rows n: Int, from z: UnsafePointer<Double>, into cache: CouplingCache) {
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
    public func forward(rows n: Int, z: UnsafePointer<Double>, x: UnsafeMutablePointer<Double>,
                        logDet: UnsafeMutablePointer<Double>, params: UnsafePointer<Double>,
                        cache: CouplingCache, scratch: UnsafeMutablePointer<Double>) {
        gather(rows: n, from: z, into: cache)
        conditioner(rows: n, params: params, cache: cache, scratch: scratch)
        scales(rows: n, cache: cache, sign: 1)
        let d = dim, m = self.m
        let out = cache.out.pointer, s = cache.s.pointer, e = cache.e.pointer
        trans.withUnsafeBufferPointer { trans in
            for b in 0..<n {
                if UnsafePointer(x) != z { (x + b * d).update(from: z + b * d, count: d) }
                var ld = 0.0
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
    public func inverse(rows n: Int, x: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>,
                        logDet: UnsafeMutablePointer<Double>, params: UnsafePointer<Double>,
                        cache: CouplingCache, scratch: UnsafeMutablePointer<Double>) {
        gather(rows: n, from: x, into: cache)
        conditioner(rows: n, params: params, cache: cache, scratch: scratch)
        scales(rows: n, cache: cache, sign: -1)
        let d = dim, m = self.m
        let out = cache.out.pointer, s = cache.s.pointer, e = cache.e.pointer
        trans.withUnsafeBufferPointer { trans in
            for b in 0..<n {
                if UnsafePointer(z) != x { (z + b * d).update(from: x + b * d, count: d) }
                var ld = 0.0
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
    public func backward(rows n: Int, z: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>,
                         logDetWeight: Double, params p: UnsafePointer<Double>,
                         grad: UnsafeMutablePointer<Double>, inputGradient: Bool,
                         cache: CouplingCache, work: BackwardBuffers) {
        let d = dim, m = self.m, k = self.k
        let s = cache.s.pointer, e = cache.e.pointer
        var gcur = work.a.pointer, gnext = work.b.pointer
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
        // Back through the dense layers.
        for j in stride(from: denseCount - 1, through: 0, by: -1) {
            let fin = widths[j], fout = widths[j + 1]
            let input = UnsafePointer(j == 0 ? cache.condIn.pointer : cache.hidden[j - 1].pointer)
            GEMM.multiply(m: fin, n: fout, k: n, a: .transposed(input, ld: fin), b: .rows(gcur, ld: fout),
                          c: grad + weightOffsets[j], ldc: fout, scratch: work.scratch.pointer)
            columnSums(gcur, rows: n, cols: fout, into: grad + biasOffsets[j])
            if j > 0 {
                let epi: GEMM.Epilogue = activation == .tanh ? .tanhGrad(input) : .reluGrad(input)
                GEMM.multiply(m: n, n: fin, k: fout, a: .rows(gcur, ld: fout), b: .transposed(p + weightOffsets[j], ld: fout),
                              c: gnext, ldc: fin, epilogue: epi, scratch: work.scratch.pointer)
                swap(&gcur, &gnext)
            } else if inputGradient {
                GEMM.multiply(m: n, n: fin, k: fout, a: .rows(gcur, ld: fout), b: .transposed(p + weightOffsets[j], ld: fout),
                              c: gnext, ldc: fin, scratch: work.scratch.pointer)
                cond.withUnsafeBufferPointer { cond in
                    for b in 0..<n {
                        for i in 0..<k { g[b * d + cond[i]] += gnext[b * k + i] }
                    }
                }
            }
        }
    }
}

/// db[j] = Σ_b g[b, j], rows summed in order 0, 1, ... (eight columns at a time).
func columnSums(_ g: UnsafePointer<Double>, rows n: Int, cols: Int, into db: UnsafeMutablePointer<Double>) {
    var j = 0
    while j + 8 <= cols {
        var acc = SIMD8<Double>()
        for b in 0..<n { acc += UnsafeRawPointer(g + b * cols + j).loadUnaligned(as: SIMD8<Double>.self) }
        UnsafeMutableRawPointer(db + j).storeBytes(of: acc, as: SIMD8<Double>.self)
        j += 8
    }
    while j < cols {
        var acc = 0.0
        for b in 0..<n { acc += g[b * cols + j] }
        db[j] = acc
        j += 1
    }
}

/// What one coupling layer keeps from its forward pass, for `rows` ≤ capacity.
public final class CouplingCache {
    let condIn: Buffer
    let hidden: [Buffer]
    let out: Buffer
    let s: Buffer
    let e: Buffer

    public init(_ layer: AffineCoupling, capacity r: Int) {
        condIn = Buffer(r * layer.k)
        hidden = layer.widths.dropFirst().dropLast().map { Buffer(r * $0) }
        out = Buffer(r * 2 * layer.m)
        s = Buffer(r * layer.m)
        e = Buffer(r * layer.m)
    }
}

/// Scratch shared by all layers' passes.
public final class BackwardBuffers {
    let a: Buffer, b: Buffer
    public let scratch: Buffer

    /// Enough for `layer` on up to `capacity` rows.
    public convenience init(_ layer: AffineCoupling, capacity r: Int) {
        var s = 1
        for j in 0..<layer.denseCount {
            let a = layer.widths[j], b = layer.widths[j + 1]
            s = max(s, GEMM.scratchSize(m: r, n: b, k: a), GEMM.scratchSize(m: a, n: b, k: r),
                    GEMM.scratchSize(m: r, n: a, k: b))
        }
        self.init(capacity: r, maxWidth: layer.widths.max()!, scratch: s)
    }

    init(capacity r: Int, maxWidth: Int, scratch: Int) {
        precondition(r >= 1 && maxWidth >= 1)
        a = Buffer(r * maxWidth)
        b = Buffer(r * maxWidth)
        self.scratch = Buffer(scratch)
    }
}

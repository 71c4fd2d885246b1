import CFlowKernels

/// Dense matrix products for the conditioners: a 6×8 register-blocked
/// micro-kernel over B packed into 8-column panels; A is read in place (its
/// elements are broadcast one at a time, so packing it buys nothing at these
/// sizes, which live in L1/L2).
///
/// C[m×n] = A[m×k] · B[k×n] (+ bias[n] per row), where A and B are read through
/// element strides, so transposes cost nothing: (rowStride, colStride) =
/// (ld, 1) is row-major, (1, ld) its transpose. C is row-major with leading
/// dimension `ldc`.
///
/// Determinism: every C[i, j] is one accumulator, starting at 0 and fused-
/// multiply-adding A[i, p]·B[p, j] for p = 0, 1, ..., k-1 in that order, then
/// the bias. Tiles, packing and padding (B's zero columns; A's edge rows
/// repeat a real row and are never stored) never change that order, and no
/// thread splits a product. Callers may split a product into blocks of rows
/// of C (each row's chains are independent of the others), or, for Xᵀ·G,
/// into consecutive blocks of the summed index with
/// `accumulateTransposedProduct`, which resumes each chain from the stored
/// value: a stored double is exact, so the chain, and its bits, are those of
/// the one product. Fused multiply-add is exactly rounded by IEEE 754,
/// so the bits are the same whether it compiles to a hardware FMA (x86-64-v3)
/// or to libm's `fma` (baseline x86-64): compiler flags change the speed,
/// never the results. On a CPU with AVX-512 (`KernelPath`), CFlowKernels runs
/// the same chains in 8×16 tiles of 8-wide vectors: same order, same bits.
public enum GEMMOf<T: FlowScalar> {
    /// Micro-tile: MR rows × NR columns held in 6 SIMD8 accumulators (12 ymm
    /// registers with AVX2, leaving room for the B row and a broadcast); a
    /// panel is 8 doubles or 16 floats.
    public static var mr: Int { 6 }
    public static var nr: Int { T.Panel.scalarCount }

    /// Values of packing scratch needed for a product of these sizes (B only:
    /// A is read in place, its elements being broadcast anyway).
    public static func scratchSize(m: Int, n: Int, k: Int) -> Int {
        (n + nr - 1) / nr * nr * max(k, 1)
    }

    public struct Operand {
        public var base: UnsafePointer<T>
        public var rowStride: Int
        public var colStride: Int
        @inlinable public init(_ base: UnsafePointer<T>, rowStride: Int, colStride: Int) {
            self.base = base
            self.rowStride = rowStride
            self.colStride = colStride
        }
        /// A row-major matrix with leading dimension `ld`.
        @inlinable public static func rows(_ p: UnsafePointer<T>, ld: Int) -> Operand {
            Operand(p, rowStride: ld, colStride: 1)
        }
        /// The transpose of a row-major matrix with leading dimension `ld`.
        @inlinable public static func transposed(_ p: UnsafePointer<T>, ld: Int) -> Operand {
            Operand(p, rowStride: 1, colStride: ld)
        }
    }

    /// What to do with each finished tile before it is stored.
    public enum Epilogue {
        case none
        /// C = tanh(A·B + bias).
        case tanh
        /// C = max(A·B + bias, 0).
        case relu
        /// C = (A·B) ⊙ (1 - G²), G row-major m×n with leading dimension ldc:
        /// the backward pass through a tanh whose outputs are G.
        case tanhGrad(UnsafePointer<T>)
        /// C = (A·B) ⊙ 1[G > 0]: the backward pass through a ReLU with outputs G.
        case reluGrad(UnsafePointer<T>)

        /// CFlowKernels' code for it, and its G.
        var kernelCode: (Int32, UnsafePointer<T>?) {
            switch self {
            case .none: (Int32(CFK_EPI_NONE), nil)
            case .tanh: (Int32(CFK_EPI_TANH), nil)
            case .relu: (Int32(CFK_EPI_RELU), nil)
            case .tanhGrad(let g): (Int32(CFK_EPI_TANH_GRAD), g)
            case .reluGrad(let g): (Int32(CFK_EPI_RELU_GRAD), g)
            }
        }
    }

    /// C = epilogue(A·B + bias). `scratch` must hold `scratchSize(m:n:k:)` doubles.
    public static func multiply(
        m: Int, n: Int, k: Int, a: Operand, b: Operand, bias: UnsafePointer<T>? = nil,
        c: UnsafeMutablePointer<T>, ldc: Int, epilogue: Epilogue = .none,
        scratch: UnsafeMutablePointer<T>
    ) {
        if m == 0 || n == 0 { return }
        packB(n: n, k: k, b: b, into: scratch)
        multiply(m: m, n: n, k: k, a: a, packedB: UnsafePointer(scratch), bias: bias, c: c, ldc: ldc,
                 epilogue: epilogue)
    }

    /// C = epilogue(A·B + bias) with B already packed by `packB` (so that a
    /// product split into row blocks packs its B once).
    static func multiply(
        m: Int, n: Int, k: Int, a: Operand, packedB bp: UnsafePointer<T>, bias: UnsafePointer<T>?,
        c: UnsafeMutablePointer<T>, ldc: Int, epilogue: Epilogue
    ) {
        if m == 0 || n == 0 { return }
        if KernelPath.active == .avx512 {
            let (code, g) = epilogue.kernelCode
            T.avx512GEMM(m, n, k, a.base, a.rowStride, a.colStride, bp, nr * k, nr, bias, c, ldc, code, g, 0)
            return
        }
        if n <= halfWidth {
            return multiplyNarrow(m: m, n: n, k: k, a: a.base, rowStride: a.rowStride, colStride: a.colStride,
                                  packedB: bp, bias: bias, c: c, ldc: ldc, epilogue: epilogue, accumulate: false)
        }
        let mBlocks = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        for ib in 0..<mBlocks {
            let i0 = ib * mr, rows = min(mr, m - i0)
            // Rows past the edge repeat the last one (computed, never stored).
            var rowOffsets = SIMD8<Int>()
            for r in 0..<mr { rowOffsets[r] = min(r, rows - 1) * a.rowStride }
            let ablock = a.base + i0 * a.rowStride
            for jb in 0..<nPanels {
                let j0 = jb * nr, cols = min(nr, n - j0)
                if rows == mr && cols == nr {
                    fullTile(k: k, a: ablock, rows: rowOffsets, colStride: a.colStride, b: bp + jb * nr * k, bStride: nr,
                             accumulate: false, bias: bias.map { $0 + j0 }, c: c, ldc: ldc, offset: i0 * ldc + j0,
                             epilogue: epilogue)
                    continue
                }
                var t = kernel(k: k, a: ablock, rows: rowOffsets, colStride: a.colStride,
                               b: bp + jb * nr * k, bStride: nr, initial: Tile())
                if let bias {
                    var bv = T.Panel()
                    for j in 0..<cols { bv[j] = bias[j0 + j] }
                    t.add(bv)
                }
                store(&t, rows: rows, cols: cols, c: c, ldc: ldc, offset: i0 * ldc + j0, epilogue: epilogue)
            }
            if case .tanh = epilogue {
                // The block's rows are still in L1; contiguous rows in one call.
                if ldc == n {
                    T.tanhInPlace(c + i0 * ldc, count: rows * n)
                } else {
                    for r in 0..<rows { T.tanhInPlace(c + (i0 + r) * ldc, count: n) }
                }
            }
        }
    }

    /// C += Xᵀ·G over `rows` rows, continuing each entry's chain: C[i, j] is
    /// loaded, then fused-multiply-adds X[b, i]·G[b, j] for b = 0, 1, ... in
    /// order. Splitting the rows of a product Xᵀ·G into consecutive blocks and
    /// accumulating them in order therefore gives the bits of one product
    /// whose chains start at C (0 for a fresh product). X is rows × m with
    /// leading dimension ldx, G rows × n with leading dimension ldg, C m × n
    /// with ldc. G is packed into `scratch` (`transposedProductScratch(m:n:rows:)`
    /// doubles) where its panels are reused: read in place, rows a power of
    /// two apart (widths 64, 128) fall into a few L1 sets and evict each
    /// other (∂W of a 128-wide layer: 489 → 429 µs per 512 rows).
    public static func accumulateTransposedProduct(
        m: Int, n: Int, rows: Int, x: UnsafePointer<T>, ldx: Int, g: UnsafePointer<T>, ldg: Int,
        c: UnsafeMutablePointer<T>, ldc: Int, scratch: UnsafeMutablePointer<T>
    ) {
        if m == 0 || n == 0 || rows == 0 { return }
        let mBlocks = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        // G's panels (b-major, zero-padded) are packed where they are reused
        // by several blocks of MR rows of C, or are partial. X is read in
        // place: packing it measured slower (a tile takes one line per row).
        let packG = mBlocks >= 4 || n % nr != 0
        if packG { packB(n: n, k: rows, b: .rows(g, ld: ldg), into: scratch) }
        if KernelPath.active == .avx512 {
            let panels = packG ? UnsafePointer(scratch) : g
            T.avx512GEMM(m, n, rows, x, 1, ldx, panels, packG ? nr * rows : nr, packG ? nr : ldg, nil, c, ldc,
                         Int32(CFK_EPI_NONE), nil, 1)
            return
        }
        if n <= halfWidth && packG {
            return multiplyNarrow(m: m, n: n, k: rows, a: x, rowStride: 1, colStride: ldx, packedB: scratch,
                                  bias: nil, c: c, ldc: ldc, epilogue: .none, accumulate: true)
        }
        for ib in 0..<mBlocks {
            let i0 = ib * mr, tileRows = min(mr, m - i0)
            var rowOffsets = SIMD8<Int>()
            for r in 0..<mr { rowOffsets[r] = min(r, tileRows - 1) }
            for jb in 0..<nPanels {
                let j0 = jb * nr, cols = min(nr, n - j0)
                let off = i0 * ldc + j0
                let panel = packG ? UnsafePointer(scratch + jb * nr * rows) : g + j0
                if tileRows == mr && cols == nr {
                    fullTile(k: rows, a: x + i0, rows: rowOffsets, colStride: ldx, b: panel,
                             bStride: packG ? nr : ldg, accumulate: true, bias: nil, c: c, ldc: ldc, offset: off,
                             epilogue: .none)
                    continue
                }
                var initial = Tile()
                for r in 0..<tileRows { initial[r] = load(c + off + r * ldc, cols) }
                var t = kernel(k: rows, a: x + i0, rows: rowOffsets, colStride: ldx, b: panel,
                               bStride: packG ? nr : ldg, initial: initial)
                store(&t, rows: tileRows, cols: cols, c: c, ldc: ldc, offset: off, epilogue: .none)
            }
        }
    }

    /// Doubles of scratch for `accumulateTransposedProduct`.
    public static func transposedProductScratch(m: Int, n: Int, rows: Int) -> Int {
        (n + nr - 1) / nr * nr * rows
    }

    /// The six rows of a tile.
    struct Tile {
        var r0, r1, r2, r3, r4, r5: T.Panel
        @inline(__always) init() {
            r0 = T.Panel(); r1 = T.Panel(); r2 = T.Panel(); r3 = T.Panel(); r4 = T.Panel(); r5 = T.Panel()
        }
        @inline(__always) mutating func add(_ v: T.Panel) {
            r0 += v; r1 += v; r2 += v; r3 += v; r4 += v; r5 += v
        }
        @inline(__always) subscript(i: Int) -> T.Panel {
            get {
                switch i {
                case 0: r0
                case 1: r1
                case 2: r2
                case 3: r3
                case 4: r4
                default: r5
                }
            }
            set {
                switch i {
                case 0: r0 = newValue
                case 1: r1 = newValue
                case 2: r2 = newValue
                case 3: r3 = newValue
                case 4: r4 = newValue
                default: r5 = newValue
                }
            }
        }
    }

    /// One MR×NR tile over k, its accumulators starting at `initial`. Row r
    /// of A starts at a + rows[r] and steps by colStride; row p of the B panel
    /// is NR consecutive doubles at b + p·bStride.
    @inline(__always)
    static func kernel(k: Int, a: UnsafePointer<T>, rows: SIMD8<Int>, colStride cs: Int,
                       b: UnsafePointer<T>, bStride: Int, initial: Tile) -> Tile {
        var c0 = initial.r0, c1 = initial.r1, c2 = initial.r2
        var c3 = initial.r3, c4 = initial.r4, c5 = initial.r5
        let braw = UnsafeRawPointer(b), bBytes = bStride &* MemoryLayout<T>.stride
        let o1 = rows[1], o2 = rows[2], o3 = rows[3], o4 = rows[4], o5 = rows[5]
        var pa = a
        for p in 0..<k {
            let bv = braw.loadUnaligned(fromByteOffset: p &* bBytes, as: T.Panel.self)
            c0 = c0.addingProduct(T.Panel(repeating: pa[0]), bv)
            c1 = c1.addingProduct(T.Panel(repeating: pa[o1]), bv)
            c2 = c2.addingProduct(T.Panel(repeating: pa[o2]), bv)
            c3 = c3.addingProduct(T.Panel(repeating: pa[o3]), bv)
            c4 = c4.addingProduct(T.Panel(repeating: pa[o4]), bv)
            c5 = c5.addingProduct(T.Panel(repeating: pa[o5]), bv)
            pa += cs
        }
        var t = Tile()
        t.r0 = c0; t.r1 = c1; t.r2 = c2; t.r3 = c3; t.r4 = c4; t.r5 = c5
        return t
    }

    /// A full tile (MR rows, NR columns) of C at c + offset, start to end in
    /// one function: `kernel`'s chains (from 0, or from the stored C when
    /// `accumulate`), then the bias, the epilogue and the stores, every row
    /// straight from its register. The operations and their order are those
    /// of `kernel` + `Tile.add` + `store` (which take the partial tiles): the
    /// same bits, without the tile going through memory between them (it did:
    /// 7% of a d = 2 step). tanh stays the later pass over the block's rows.
    @inline(__always)
    static func fullTile(k: Int, a: UnsafePointer<T>, rows: SIMD8<Int>, colStride cs: Int, b: UnsafePointer<T>,
                         bStride: Int, accumulate: Bool, bias: UnsafePointer<T>?, c: UnsafeMutablePointer<T>,
                         ldc: Int, offset: Int, epilogue: Epilogue) {
        let craw = UnsafeMutableRawPointer(c + offset), step = ldc &* MemoryLayout<T>.stride
        var c0 = T.Panel(), c1 = T.Panel(), c2 = T.Panel(), c3 = T.Panel(), c4 = T.Panel(), c5 = T.Panel()
        if accumulate {
            c0 = craw.loadUnaligned(as: T.Panel.self)
            c1 = craw.loadUnaligned(fromByteOffset: step, as: T.Panel.self)
            c2 = craw.loadUnaligned(fromByteOffset: 2 &* step, as: T.Panel.self)
            c3 = craw.loadUnaligned(fromByteOffset: 3 &* step, as: T.Panel.self)
            c4 = craw.loadUnaligned(fromByteOffset: 4 &* step, as: T.Panel.self)
            c5 = craw.loadUnaligned(fromByteOffset: 5 &* step, as: T.Panel.self)
        }
        let braw = UnsafeRawPointer(b), bBytes = bStride &* MemoryLayout<T>.stride
        let o1 = rows[1], o2 = rows[2], o3 = rows[3], o4 = rows[4], o5 = rows[5]
        var pa = a
        for p in 0..<k {
            let bv = braw.loadUnaligned(fromByteOffset: p &* bBytes, as: T.Panel.self)
            c0 = c0.addingProduct(T.Panel(repeating: pa[0]), bv)
            c1 = c1.addingProduct(T.Panel(repeating: pa[o1]), bv)
            c2 = c2.addingProduct(T.Panel(repeating: pa[o2]), bv)
            c3 = c3.addingProduct(T.Panel(repeating: pa[o3]), bv)
            c4 = c4.addingProduct(T.Panel(repeating: pa[o4]), bv)
            c5 = c5.addingProduct(T.Panel(repeating: pa[o5]), bv)
            pa += cs
        }
        if let bias {
            let bv = UnsafeRawPointer(bias).loadUnaligned(as: T.Panel.self)
            c0 += bv; c1 += bv; c2 += bv; c3 += bv; c4 += bv; c5 += bv
        }
        switch epilogue {
        case .none, .tanh: break
        case .relu:
            c0 = c0.replacing(with: 0, where: c0 .< 0); c1 = c1.replacing(with: 0, where: c1 .< 0)
            c2 = c2.replacing(with: 0, where: c2 .< 0); c3 = c3.replacing(with: 0, where: c3 .< 0)
            c4 = c4.replacing(with: 0, where: c4 .< 0); c5 = c5.replacing(with: 0, where: c5 .< 0)
        case .tanhGrad(let g):
            let g = UnsafeRawPointer(g + offset)
            var gv = g.loadUnaligned(as: T.Panel.self)
            c0 = c0 * (1 - gv * gv)
            gv = g.loadUnaligned(fromByteOffset: step, as: T.Panel.self)
            c1 = c1 * (1 - gv * gv)
            gv = g.loadUnaligned(fromByteOffset: 2 &* step, as: T.Panel.self)
            c2 = c2 * (1 - gv * gv)
            gv = g.loadUnaligned(fromByteOffset: 3 &* step, as: T.Panel.self)
            c3 = c3 * (1 - gv * gv)
            gv = g.loadUnaligned(fromByteOffset: 4 &* step, as: T.Panel.self)
            c4 = c4 * (1 - gv * gv)
            gv = g.loadUnaligned(fromByteOffset: 5 &* step, as: T.Panel.self)
            c5 = c5 * (1 - gv * gv)
        case .reluGrad(let g):
            let g = UnsafeRawPointer(g + offset)
            c0 = c0.replacing(with: 0, where: g.loadUnaligned(as: T.Panel.self) .<= 0)
            c1 = c1.replacing(with: 0, where: g.loadUnaligned(fromByteOffset: step, as: T.Panel.self) .<= 0)
            c2 = c2.replacing(with: 0, where: g.loadUnaligned(fromByteOffset: 2 &* step, as: T.Panel.self) .<= 0)
            c3 = c3.replacing(with: 0, where: g.loadUnaligned(fromByteOffset: 3 &* step, as: T.Panel.self) .<= 0)
            c4 = c4.replacing(with: 0, where: g.loadUnaligned(fromByteOffset: 4 &* step, as: T.Panel.self) .<= 0)
            c5 = c5.replacing(with: 0, where: g.loadUnaligned(fromByteOffset: 5 &* step, as: T.Panel.self) .<= 0)
        }
        craw.storeBytes(of: c0, as: T.Panel.self)
        craw.storeBytes(of: c1, toByteOffset: step, as: T.Panel.self)
        craw.storeBytes(of: c2, toByteOffset: 2 &* step, as: T.Panel.self)
        craw.storeBytes(of: c3, toByteOffset: 3 &* step, as: T.Panel.self)
        craw.storeBytes(of: c4, toByteOffset: 4 &* step, as: T.Panel.self)
        craw.storeBytes(of: c5, toByteOffset: 5 &* step, as: T.Panel.self)
    }

    @inline(__always)
    static func store(_ t: inout Tile, rows: Int, cols: Int, c: UnsafeMutablePointer<T>, ldc: Int,
                      offset: Int, epilogue: Epilogue) {
        switch epilogue {
        case .none: break
        case .tanh:
            break  // a separate vectorised pass, after the product (see `multiply`)
        case .relu:
            for r in 0..<rows { t[r] = t[r].replacing(with: 0, where: t[r] .< 0) }
        case .tanhGrad(let g):
            for r in 0..<rows {
                let gv = load(g + offset + r * ldc, cols)
                t[r] = t[r] * (1 - gv * gv)
            }
        case .reluGrad(let g):
            for r in 0..<rows {
                let gv = load(g + offset + r * ldc, cols)
                t[r] = t[r].replacing(with: 0, where: gv .<= 0)
            }
        }
        let c = c + offset
        if cols == nr {
            for r in 0..<rows {
                UnsafeMutableRawPointer(c + r * ldc).storeBytes(of: t[r], as: T.Panel.self)
            }
        } else {
            for r in 0..<rows {
                let v = t[r]
                for j in 0..<cols { c[r * ldc + j] = v[j] }
            }
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<T>, _ cols: Int) -> T.Panel {
        if cols == nr { return UnsafeRawPointer(p).loadUnaligned(as: T.Panel.self) }
        var v = T.Panel()
        for j in 0..<cols { v[j] = p[j] }
        return v
    }

    /// B → panels of NR columns, each stored p-major: bp[(panel·k + p)·NR + j]
    /// (`scratchSize(m:n:k:)` doubles).
    static func packB(n: Int, k: Int, b: Operand, into bp: UnsafeMutablePointer<T>) {
        let nPanels = (n + nr - 1) / nr
        let rs = b.rowStride, cs = b.colStride
        for jb in 0..<nPanels {
            let j0 = jb * nr, cols = min(nr, n - j0)
            let dst = bp + jb * nr * k
            if cols == nr && cs == 1 {
                for p in 0..<k {
                    let v = UnsafeRawPointer(b.base + p * rs + j0).loadUnaligned(as: T.Panel.self)
                    UnsafeMutableRawPointer(dst + p * nr).storeBytes(of: v, as: T.Panel.self)
                }
            } else {
                for p in 0..<k {
                    let d = dst + p * nr, s = b.base + p * rs + j0 * cs
                    for j in 0..<cols { d[j] = s[j * cs] }
                    for j in cols..<nr { d[j] = 0 }
                }
            }
        }
    }
}

/// The double-precision products (the default precision).
public typealias GEMM = GEMMOf<Double>

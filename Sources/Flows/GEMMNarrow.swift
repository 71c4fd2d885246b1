/// Products with few columns (n ≤ half a panel: the conditioner's last layer
/// and its input gradient at small d, their ∂W): `GEMMOf.multiply`'s 6-row
/// tiles would spend a whole panel's lanes (8 doubles, 16 floats) on 1–8
/// columns. Here a tile is 12 rows × half a panel (one AVX2 register per
/// row), so twice the rows per fused multiply-add.
///
/// Each C[i, j] is the same chain as in `GEMMOf`: from 0 (or the stored C
/// when accumulating), fused-multiply-adding A[i, p]·B[p, j] for p = 0, 1,
/// ..., k-1 in order, then the bias, then the epilogue: the same bits.
extension GEMMOf {
    static var narrowRows: Int { 12 }
    static var halfWidth: Int { T.HalfPanel.scalarCount }

    /// C (m × n, n ≤ halfWidth) = epilogue(A·B + bias), or C += A·B when
    /// `accumulate` (no bias, no epilogue). B is one packed panel: row p is
    /// at b + p·nr, zero past n.
    static func multiplyNarrow(m: Int, n: Int, k: Int, a: UnsafePointer<T>, rowStride: Int, colStride: Int,
                               packedB b: UnsafePointer<T>, bias: UnsafePointer<T>?, c: UnsafeMutablePointer<T>,
                               ldc: Int, epilogue: Epilogue, accumulate: Bool) {
        precondition(n <= halfWidth)
        var i0 = 0
        while i0 < m {
            let rows = min(narrowRows, m - i0)
            narrowTile(rows: rows, n: n, k: k, a: a + i0 * rowStride, rowStride: rowStride, colStride: colStride,
                       b: b, bias: bias, c: c, ldc: ldc, offset: i0 * ldc, epilogue: epilogue,
                       accumulate: accumulate)
            if case .tanh = epilogue {
                for r in 0..<rows { T.tanhInPlace(c + (i0 + r) * ldc, count: n) }
            }
            i0 += rows
        }
    }

    /// Half a panel of C's row at p (its first `cols` values, zero past them).
    @inline(__always)
    static func loadHalf(_ p: UnsafePointer<T>, _ cols: Int) -> T.HalfPanel {
        var v = T.HalfPanel()
        for j in 0..<cols { v[j] = p[j] }
        return v
    }

    /// One tile of `rows` ≤ 12 rows (rows past the edge repeat the last one:
    /// computed, never stored).
    @inline(never)
    static func narrowTile(rows: Int, n: Int, k: Int, a: UnsafePointer<T>, rowStride rs: Int, colStride cs: Int,
                           b: UnsafePointer<T>, bias: UnsafePointer<T>?, c: UnsafeMutablePointer<T>, ldc: Int,
                           offset: Int, epilogue: Epilogue, accumulate: Bool) {
        typealias H = T.HalfPanel
        var acc = (H(), H(), H(), H(), H(), H(), H(), H(), H(), H(), H(), H())
        if accumulate {
            withUnsafeMutableBytes(of: &acc) { raw in
                for r in 0..<rows {
                    raw.storeBytes(of: loadHalf(c + offset + r * ldc, n), toByteOffset: r * MemoryLayout<H>.stride,
                                   as: H.self)
                }
            }
        }
        var c0 = acc.0, c1 = acc.1, c2 = acc.2, c3 = acc.3, c4 = acc.4, c5 = acc.5
        var c6 = acc.6, c7 = acc.7, c8 = acc.8, c9 = acc.9, c10 = acc.10, c11 = acc.11
        let last = rows - 1
        let o1 = min(1, last) * rs, o2 = min(2, last) * rs, o3 = min(3, last) * rs, o4 = min(4, last) * rs
        let o5 = min(5, last) * rs, o6 = min(6, last) * rs, o7 = min(7, last) * rs, o8 = min(8, last) * rs
        let o9 = min(9, last) * rs, o10 = min(10, last) * rs, o11 = min(11, last) * rs
        let braw = UnsafeRawPointer(b), bBytes = nr &* MemoryLayout<T>.stride
        var pa = a
        for p in 0..<k {
            let bv = braw.loadUnaligned(fromByteOffset: p &* bBytes, as: H.self)
            c0 = c0.addingProduct(H(repeating: pa[0]), bv)
            c1 = c1.addingProduct(H(repeating: pa[o1]), bv)
            c2 = c2.addingProduct(H(repeating: pa[o2]), bv)
            c3 = c3.addingProduct(H(repeating: pa[o3]), bv)
            c4 = c4.addingProduct(H(repeating: pa[o4]), bv)
            c5 = c5.addingProduct(H(repeating: pa[o5]), bv)
            c6 = c6.addingProduct(H(repeating: pa[o6]), bv)
            c7 = c7.addingProduct(H(repeating: pa[o7]), bv)
            c8 = c8.addingProduct(H(repeating: pa[o8]), bv)
            c9 = c9.addingProduct(H(repeating: pa[o9]), bv)
            c10 = c10.addingProduct(H(repeating: pa[o10]), bv)
            c11 = c11.addingProduct(H(repeating: pa[o11]), bv)
            pa += cs
        }
        acc = (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11)
        let bv = bias.map { loadHalf($0, n) }
        withUnsafeBytes(of: &acc) { raw in
            for r in 0..<rows {
                var v = raw.loadUnaligned(fromByteOffset: r * MemoryLayout<H>.stride, as: H.self)
                if let bv { v += bv }
                let row = offset + r * ldc
                switch epilogue {
                case .none, .tanh: break  // tanh: the pass after the tile (multiplyNarrow)
                case .relu: v = v.replacing(with: 0, where: v .< 0)
                case .tanhGrad(let g):
                    let gv = loadHalf(g + row, n)
                    v = v * (1 - gv * gv)
                case .reluGrad(let g):
                    v = v.replacing(with: 0, where: loadHalf(g + row, n) .<= 0)
                }
                for j in 0..<n { c[row + j] = v[j] }
            }
        }
    }
}

/// C = op(A)·op(B) as one fused multiply-add chain per output, in index order:
/// the reference every GEMM path must match bit for bit. A is m×k (k×m stored
/// if transposed), B is k×n (n×k stored if transposed), C row-major m×n.
func naiveProduct<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [T] {
    var c = [T](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var acc: T = 0
            for p in 0..<k {
                acc = acc.addingProduct(transA ? a[p * m + i] : a[i * k + p], transB ? b[j * k + p] : b[p * n + j])
            }
            c[i * n + j] = acc
        }
    }
    return c
}

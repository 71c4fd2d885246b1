import CGSL

/// Eigenvalues of real matrices (GSL's Francis QR for nonsymmetric ones).
public enum Eigen {
    public struct Complex: Sendable, Equatable {
        public let re: Double
        public let im: Double
    }

    /// Eigenvalues of the n×n row-major matrix `a`, sorted by real part
    /// (descending), then imaginary part, so the order is deterministic.
    public static func nonsymmetricEigenvalues(_ a: [Double], n: Int) throws -> [Complex] {
        GSLLibrary.prepare()
        precondition(a.count == n * n)
        let m = gsl_matrix_alloc(n, n)!
        defer { gsl_matrix_free(m) }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(m, i, j, a[i * n + j]) } }
        let eval = gsl_vector_complex_alloc(n)!
        defer { gsl_vector_complex_free(eval) }
        let ws = gsl_eigen_nonsymm_alloc(n)!
        defer { gsl_eigen_nonsymm_free(ws) }
        try GSLLibrary.check(gsl_eigen_nonsymm(m, eval, ws), "gsl_eigen_nonsymm")
        var out: [Complex] = []
        for i in 0..<n {
            let z = gsl_vector_complex_get(eval, i)
            out.append(Complex(re: z.dat.0, im: z.dat.1))
        }
        return out.sorted { $0.re != $1.re ? $0.re > $1.re : $0.im > $1.im }
    }
}

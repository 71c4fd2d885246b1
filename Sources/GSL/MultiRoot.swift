import CGSL

/// Roots of F: Rⁿ → Rⁿ with GSL's multidimensional solvers (Powell's hybrid
/// method, `hybrids`, with a finite-difference Jacobian inside GSL).
public enum MultiRoot {
    public struct Solution: Sendable {
        public let x: [Double]
        public let residual: [Double]
        public let iterations: Int
    }

    /// Iterates until max|Fᵢ(x)| < `residualTol` or `maxIterations`.
    /// `f` writes F(x) into its second argument and returns false when x is
    /// outside its domain.
    public static func solve(_ x0: [Double], residualTol: Double, maxIterations: Int = 200,
                             _ f: @escaping ([Double], inout [Double]) -> Bool) throws -> Solution {
        GSLLibrary.prepare()
        let n = x0.count
        let box = Box(n: n, f: f)
        let solver = gsl_multiroot_fsolver_alloc(repro_multiroot_hybrids(), n)!
        defer { gsl_multiroot_fsolver_free(solver) }
        let start = gsl_vector_alloc(n)!
        defer { gsl_vector_free(start) }
        for i in 0..<n { gsl_vector_set(start, i, x0[i]) }
        return try withExtendedLifetime(box) {
            var fn = gsl_multiroot_function(f: { x, p, out in
                let box = Unmanaged<Box>.fromOpaque(p!).takeUnretainedValue()
                for i in 0..<box.n { box.x[i] = gsl_vector_get(x, i) }
                guard box.f(box.x, &box.fx) else { return gslBadFunction }
                for i in 0..<box.n {
                    guard box.fx[i].isFinite else { return gslBadFunction }
                    gsl_vector_set(out, i, box.fx[i])
                }
                return gslSuccess
            }, n: n, params: Unmanaged.passUnretained(box).toOpaque())
            try GSLLibrary.check(gsl_multiroot_fsolver_set(solver, &fn, start), "gsl_multiroot_fsolver_set")
            var iter = 0
            while true {
                iter += 1
                let code = gsl_multiroot_fsolver_iterate(solver)
                let residualOK = gsl_multiroot_test_residual(solver.pointee.f, residualTol) == gslSuccess
                if residualOK { break }
                try GSLLibrary.check(code, "gsl_multiroot_fsolver_iterate", "iteration \(iter)")
                if iter >= maxIterations {
                    throw GSLError(code: gslMaxIterations, routine: "MultiRoot.solve", detail: "no convergence in \(iter) iterations")
                }
            }
            let x = (0..<n).map { gsl_vector_get(solver.pointee.x, $0) }
            let r = (0..<n).map { gsl_vector_get(solver.pointee.f, $0) }
            return Solution(x: x, residual: r, iterations: iter)
        }
    }

    private final class Box {
        let n: Int
        let f: ([Double], inout [Double]) -> Bool
        var x: [Double], fx: [Double]
        init(n: Int, f: @escaping ([Double], inout [Double]) -> Bool) {
            self.n = n
            self.f = f
            x = Array(repeating: 0, count: n)
            fx = x
        }
    }
}

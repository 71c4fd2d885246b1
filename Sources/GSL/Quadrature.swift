import CGSL

/// Adaptive quadrature (QUADPACK in GSL) over Swift closures. Used for the
/// independent references in tests; the hot paths use fixed rules.
public enum Quadrature {
    public struct Result: Sendable {
        public let value: Double
        public let errorEstimate: Double
    }

    /// ∫ f over [points.first, points.last] with known singular/break points
    /// in between (QAGP, 21-point Gauss–Kronrod with extrapolation).
    public static func qagp(_ f: (Double) -> Double, points: [Double], absTol: Double, relTol: Double = 0,
                            limit: Int = 2000) throws -> Result {
        GSLLibrary.prepare()
        let ws = gsl_integration_workspace_alloc(limit)!
        defer { gsl_integration_workspace_free(ws) }
        var pts = points
        return try withFunction(f) { fn in
            var value = 0.0, err = 0.0
            let code = pts.withUnsafeMutableBufferPointer {
                gsl_integration_qagp(fn, $0.baseAddress, $0.count, absTol, relTol, limit, ws, &value, &err)
            }
            try GSLLibrary.check(code, "gsl_integration_qagp", "points \(points)")
            return Result(value: value, errorEstimate: err)
        }
    }

    /// ∫ f over (-∞, ∞) (QAGI).
    public static func qagi(_ f: (Double) -> Double, absTol: Double, relTol: Double = 0,
                            limit: Int = 2000) throws -> Result {
        GSLLibrary.prepare()
        let ws = gsl_integration_workspace_alloc(limit)!
        defer { gsl_integration_workspace_free(ws) }
        return try withFunction(f) { fn in
            var value = 0.0, err = 0.0
            try GSLLibrary.check(gsl_integration_qagi(fn, absTol, relTol, limit, ws, &value, &err), "gsl_integration_qagi")
            return Result(value: value, errorEstimate: err)
        }
    }

    /// ∫ f over [a, b] with the doubly-adaptive CQUAD (robust to kinks).
    public static func cquad(_ f: (Double) -> Double, _ a: Double, _ b: Double, absTol: Double,
                             relTol: Double = 0) throws -> Result {
        GSLLibrary.prepare()
        let ws = gsl_integration_cquad_workspace_alloc(200)!
        defer { gsl_integration_cquad_workspace_free(ws) }
        return try withFunction(f) { fn in
            var value = 0.0, err = 0.0
            var nevals = 0
            try GSLLibrary.check(gsl_integration_cquad(fn, a, b, absTol, relTol, ws, &value, &err, &nevals),
                                 "gsl_integration_cquad")
            return Result(value: value, errorEstimate: err)
        }
    }

    private final class Box {
        let f: (Double) -> Double
        init(_ f: @escaping (Double) -> Double) { self.f = f }
    }

    private static func withFunction<R>(_ f: (Double) -> Double, _ body: (UnsafeMutablePointer<gsl_function>) throws -> R) throws -> R {
        try withoutActuallyEscaping(f) { f in
            let box = Box(f)
            return try withExtendedLifetime(box) {
                var fn = gsl_function(function: { x, p in
                    Unmanaged<Box>.fromOpaque(p!).takeUnretainedValue().f(x)
                }, params: Unmanaged.passUnretained(box).toOpaque())
                return try body(&fn)
            }
        }
    }
}

/// Fixed Gaussian rules (nodes and weights), computed once by GSL.
public struct FixedRule: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// n-point Gauss–Legendre on [a, b].
    public static func gaussLegendre(_ n: Int, _ a: Double, _ b: Double) -> FixedRule {
        GSLLibrary.prepare()
        let table = gsl_integration_glfixed_table_alloc(n)!
        defer { gsl_integration_glfixed_table_free(table) }
        var xs = [Double](), ws = [Double]()
        for i in 0..<n {
            var x = 0.0, w = 0.0
            _ = gsl_integration_glfixed_point(a, b, i, &x, &w, table)
            xs.append(x)
            ws.append(w)
        }
        return FixedRule(nodes: xs, weights: ws)
    }

    /// n-point Gauss–Hermite for ∫ f(z) φ(z) dz, φ the standard normal density
    /// (GSL's rule is for weight e^{-x²}; rescaled by x = z/√2).
    public static func gaussHermiteNormal(_ n: Int) -> FixedRule {
        GSLLibrary.prepare()
        let w = gsl_integration_fixed_alloc(repro_fixed_hermite(), n, 0, 1, 0, 0)!
        defer { gsl_integration_fixed_free(w) }
        let x = gsl_integration_fixed_nodes(w)!, wt = gsl_integration_fixed_weights(w)!
        let r2 = 2.0.squareRoot(), rpi = Double.pi.squareRoot()
        return FixedRule(nodes: (0..<n).map { x[$0] * r2 }, weights: (0..<n).map { wt[$0] / rpi })
    }
}

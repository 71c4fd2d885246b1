import Foundation
import GSL

/// On-axis fixed points of the symmetric fixed-weight system (fig5a).
///
/// With μ± = ±|μ| e₁, w fixed, and means on the axis (m_k = x_k e₁, no
/// orthogonal part), the flow of model.md ("Mean dynamics") closes on the
/// two coordinates x±:
///
///     ẋ_k = w_k [ (π_k/s)(x_k - x_k̄) - (1/σp²)(x_k - (2R^p_k - 1)|μ|) ]
///
/// with D = x₊ - x₋, R^q± = Iσ(λ ± D²/2s, |D|/√s), R^p_k = Iσ(ℓ + 2|μ|x_k/σp², 2|μ|√s/σp²).
/// The mean-aligned state is the stable node with both x_k near +|μ|; as |μ|
/// decreases it meets a saddle and both vanish at a fold |μ|_c (saddle-node),
/// where det ∂F/∂x = 0.
public struct AxisFixedPoints: Sendable {
    public var rho: Double, sigmaP2: Double, s: Double, w: Double
    let integrals: GaussianIntegrals

    public init(rho: Double = 0.5, sigmaP2: Double = 1, s: Double = 1, w: Double = 0.5, integrals: GaussianIntegrals = .shared) {
        self.rho = rho
        self.sigmaP2 = sigmaP2
        self.s = s
        self.w = w
        self.integrals = integrals
    }

    /// F(x₊, x₋; |μ|), the on-axis vector field.
    public func field(_ x: SIMD2<Double>, mu: Double) -> SIMD2<Double> {
        let lambda = log(w / (1 - w)), ell = log(rho / (1 - rho))
        let d = x.x - x.y, d2 = d * d
        let sq = abs(d) / s.squareRoot()
        let rqP = integrals.sigma(lambda + d2 / (2 * s), sq), rqM = integrals.sigma(lambda - d2 / (2 * s), sq)
        let sp = 2 * mu * s.squareRoot() / sigmaP2
        let rpP = integrals.sigma(ell + 2 * mu * x.x / sigmaP2, sp), rpM = integrals.sigma(ell + 2 * mu * x.y / sigmaP2, sp)
        let fP = w * ((1 - rqP) / s * d - (x.x - (2 * rpP - 1) * mu) / sigmaP2)
        let fM = (1 - w) * (rqM / s * (-d) - (x.y - (2 * rpM - 1) * mu) / sigmaP2)
        return SIMD2(fP, fM)
    }

    /// ∂F/∂x by central differences (row-major 2×2).
    public func jacobian(_ x: SIMD2<Double>, mu: Double, h: Double = 1e-5) -> [Double] {
        var j = [Double](repeating: 0, count: 4)
        for c in 0..<2 {
            var e = SIMD2<Double>(0, 0)
            e[c] = h
            let df = (field(x + e, mu: mu) - field(x - e, mu: mu)) / (2 * h)
            j[c] = df.x
            j[2 + c] = df.y
        }
        return j
    }

    public func determinant(_ x: SIMD2<Double>, mu: Double) -> Double {
        let j = jacobian(x, mu: mu)
        return j[0] * j[3] - j[1] * j[2]
    }

    /// A fixed point at |μ| by Powell's hybrid method from `guess`.
    public func solve(mu: Double, guess: SIMD2<Double>, tol: Double = 1e-13) throws -> SIMD2<Double> {
        let sol = try MultiRoot.solve([guess.x, guess.y], residualTol: tol) { x, f in
            let v = field(SIMD2(x[0], x[1]), mu: mu)
            f[0] = v.x
            f[1] = v.y
            return true
        }
        return SIMD2(sol.x[0], sol.x[1])
    }

    public struct BranchPoint: Sendable {
        public let mu: Double
        public let x: SIMD2<Double>
        /// α_k = x_k / |μ|.
        public var alpha: SIMD2<Double> { x / mu }
        /// Eigenvalues of ∂F/∂x (GSL nonsymmetric eigensolver), largest real part first.
        public let eigenvalues: [Eigen.Complex]
    }

    public struct Fold: Sendable {
        public let mu: Double
        public let x: SIMD2<Double>
        /// The bracket [lo, hi] in |μ| within which the branch ends: a stable
        /// aligned point exists at `hi`, none is found near it at `lo`.
        public let lo: Double, hi: Double
    }

    func point(_ mu: Double, _ x: SIMD2<Double>) throws -> BranchPoint {
        BranchPoint(mu: mu, x: x, eigenvalues: try Eigen.nonsymmetricEigenvalues(jacobian(x, mu: mu), n: 2))
    }

    /// Is x a stable aligned point (both means on the + side, det J > 0)?
    func isAligned(_ x: SIMD2<Double>, mu: Double) -> Bool {
        x.x > 0 && x.y > 0 && determinant(x, mu: mu) > 0
    }

    /// Continues the aligned branch from `start` (a converged aligned fixed
    /// point at |μ| = `start.mu`) down in |μ| with a secant predictor and step
    /// halving, then brackets the fold by bisection in |μ| to `foldTol`.
    /// Returns the branch at the continuation steps and the fold. Throws
    /// `CancellationError` soon after `cancelled()` turns true.
    public func continueToFold(from startMu: Double, guess: SIMD2<Double>, step: Double = 0.02,
                               foldTol: Double = 1e-7, cancelled: () -> Bool = { false }) throws -> (branch: [BranchPoint], fold: Fold) {
        var x = try solve(mu: startMu, guess: guess)
        guard isAligned(x, mu: startMu) else {
            throw GSLError(code: 0, routine: "AxisFixedPoints", detail: "no stable aligned point at |μ| = \(startMu) near \(guess)")
        }
        var branch = [try point(startMu, x)]
        var mu = startMu, h = step
        var prev: (Double, SIMD2<Double>)? = nil
        // Continuation until the step needed falls below the fold tolerance.
        var iterations = 0
        while h > foldTol {
            iterations += 1
            if iterations % 256 == 0, cancelled() { throw CancellationError() }
            let next = mu - h
            var predicted = x
            if let (pm, px) = prev { predicted = x + (x - px) * ((next - mu) / (mu - pm)) }
            if let y = try? solve(mu: next, guess: predicted), isAligned(y, mu: next), simd_distance(y, x) < 10 * h + 1e-3 {
                prev = (mu, x)
                mu = next
                x = y
                if h >= step / 2 { branch.append(try point(mu, x)) }
            } else {
                h /= 2
            }
        }
        // `mu` has an aligned point; mu - 2h (= foldTol scale) had none near it.
        return (branch, Fold(mu: mu, x: x, lo: mu - 2 * h, hi: mu))
    }
}

extension AxisFixedPoints {
    /// The fold as a regular root of the extended system F(x, |μ|) = 0,
    /// det ∂F/∂x = 0 (unknowns x₊, x₋, |μ|): an independent check of the
    /// bracket found by continuation.
    public func foldByExtendedSystem(guess: SIMD2<Double>, mu: Double) throws -> (mu: Double, x: SIMD2<Double>) {
        let sol = try MultiRoot.solve([guess.x, guess.y, mu], residualTol: 1e-11, maxIterations: 500) { v, f in
            let x = SIMD2(v[0], v[1])
            let fv = field(x, mu: v[2])
            f[0] = fv.x
            f[1] = fv.y
            f[2] = determinant(x, mu: v[2])
            return true
        }
        return (sol.x[2], SIMD2(sol.x[0], sol.x[1]))
    }
}

@inline(__always) func simd_distance(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
    let d = a - b
    return (d * d).sum().squareRoot()
}

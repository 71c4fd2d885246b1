import Theory

/// Coordinates of the simulation: an orthonormal basis of R^d whose first
/// r = rank coordinates span {μ±} and the rest their complement. The target
/// then lives in r numbers, and every target term of a step is O(r), not O(d).
struct Geometry: Sendable {
    let d: Int
    let rank: Int
    /// μ₊ and μ₋ in the first `rank` coordinates.
    let muPlus: [Double], muMinus: [Double]
    /// Map from span coordinates (e₁, e₂ of `Target`) to the first `rank` ones.
    let basis: [SIMD2<Double>]

    init(target: Target, d: Int) {
        self.d = d
        if target.rank == 2 {
            basis = [[1, 0], [0, 1]]
        } else {
            // One direction: the longer of μ± (they are collinear).
            let v = target.tPP >= target.tMM ? target.muPlus : target.muMinus
            basis = [v / (v * v).sum().squareRoot()]
        }
        rank = basis.count
        muPlus = basis.map { ($0 * target.muPlus).sum() }
        muMinus = basis.map { ($0 * target.muMinus).sum() }
    }

    /// Span coordinates (in `basis`) of a mean with overlaps a₊ = m·μ₊,
    /// a₋ = m·μ₋.
    func spanCoordinates(aPlus: Double, aMinus: Double) -> [Double] {
        if rank == 1 {
            // m = γ e with μ_b = t_b e: pick the larger |t_b| for accuracy.
            return abs(muPlus[0]) >= abs(muMinus[0]) ? [aPlus / muPlus[0]] : [aMinus / muMinus[0]]
        }
        let det = muPlus[0] * muMinus[1] - muPlus[1] * muMinus[0]
        return [(aPlus * muMinus[1] - aMinus * muPlus[1]) / det, (muPlus[0] * aMinus - muMinus[0] * aPlus) / det]
    }

    /// How the overlaps split into span coordinates and complement parts
    /// (no allocation: also the validation of a start).
    func parts(for s: OverlapState) throws -> (cP: [Double], cM: [Double], nP: Double, along: Double, rest: Double) {
        let cP = spanCoordinates(aPlus: s.aPP, aMinus: s.aPM)
        let cM = spanCoordinates(aPlus: s.aMP, aMinus: s.aMM)
        let dot = { (a: [Double], b: [Double]) in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        let uPP = s.qPP - dot(cP, cP), uPM = s.qPM - dot(cP, cM), uMM = s.qMM - dot(cM, cM)
        let tol = 1e-9 * max(1, s.qPP, s.qMM)
        guard uPP >= -tol, uMM >= -tol, uPM * uPM <= max(uPP, 0) * max(uMM, 0) + tol * tol + 1e-12 * abs(uPP * uMM) else {
            throw InitialStateError("the overlaps are not a Gram matrix of two vectors (|u₊|² = \(uPP), u₊·u₋ = \(uPM), |u₋|² = \(uMM))")
        }
        let nP = max(uPP, 0).squareRoot()
        // u₋ = along · û₊ + rest · (a second direction).
        let along = nP > 0 ? uPM / nP : max(uMM, 0).squareRoot()
        let rest = nP > 0 ? max(uMM - along * along, 0).squareRoot() : 0
        let complement = d - rank
        if complement == 0 && max(nP, abs(along)) > tol.squareRoot() {
            throw InitialStateError("d = \(d) leaves no room for orthogonal parts, but |u₊|² = \(uPP), |u₋|² = \(uMM)")
        }
        if complement == 1 && rest * rest > 1e-9 * max(1, uMM) {
            throw InitialStateError("d = \(d) leaves one orthogonal direction, but the orthogonal parts u₊, u₋ are not collinear")
        }
        return (cP, cM, nP, along, rest)
    }

    /// Vectors m± ∈ R^d with exactly the given overlaps (up to rounding): the
    /// span parts from the a's, the complement parts u± from |u₊|², u₊·u₋,
    /// |u₋|² on coordinates r and r+1. The flow and the Monte-Carlo noise are
    /// invariant under rotations of the complement, so where u± point there
    /// does not matter: any start with these overlaps has the same law.
    func vectors(for s: OverlapState) throws -> (plus: [Double], minus: [Double]) {
        let p = try parts(for: s)
        var plus = [Double](repeating: 0, count: d), minus = plus
        for i in 0..<rank { plus[i] = p.cP[i]; minus[i] = p.cM[i] }
        if d > rank {
            plus[rank] = p.nP
            minus[rank] = p.along
        }
        if d > rank + 1 { minus[rank + 1] = p.rest }
        return (plus, minus)
    }
}

/// An initial overlap state that no pair of vectors in R^d realises.
public struct InitialStateError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}

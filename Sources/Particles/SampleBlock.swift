import Foundation
import Theory

/// Scalars of the current state that every sample of a step needs
/// (model.md, "Responsibilities reduce to 1-D Gaussian integrals" and
/// "Objective value"), plus pointers to the vectors. Read-only during the
/// sample passes, which may run on several threads.
struct StepInputs: @unchecked Sendable {
    var d: Int, rank: Int
    var dvec: UnsafePointer<Double>       // D = m₊ - m₋
    var means: (UnsafePointer<Double>, UnsafePointer<Double>)
    var delta: [Double], muMinus: [Double] // Δ and μ₋ in the span coordinates
    var s: Double, sqrtS: Double
    /// Target variance for the gradient (σp²/β under variance tempering) and
    /// the factor c on its terms (β under power tempering).
    var sp2: Double, c: Double
    /// The untempered σp², for the KL estimate.
    var sp2KL: Double
    var lambda: Double, logOneMinusW: Double
    var ell: Double, logOneMinusRho: Double
    var halfQ: Double   // (|m₊|² - |m₋|²)/2
    var halfT: Double   // (|μ₊|² - |μ₋|²)/2
    var d2: Double      // |D|²
    var mkD: (Double, Double)       // m_k·D
    var mkDelta: (Double, Double)   // m_k·Δ
    var distP: (Double, Double)     // |m_k - μ₋|²
    /// Also estimate f = log q - c log p (trainable weight, or a record step).
    var full: Bool
    /// Also sum the ε's (their mean enters ∇ only when c/σp² ≠ 1/s).
    var sumEps: Bool
}

/// Sums over a block's samples (model.md, "Finite-d simulations").
struct BlockSums: Sendable {
    var rq = 0.0, rp = 0.0      // r^q₊(x), r^p₊(x)
    var f = 0.0, f2 = 0.0       // f = log q - c log p (d-constants dropped: they cancel in ∂w)
    var g = 0.0, g2 = 0.0       // log q - log p, untempered, d-constants dropped (the KL estimate)

    static func + (a: BlockSums, b: BlockSums) -> BlockSums {
        BlockSums(rq: a.rq + b.rq, rp: a.rp + b.rp, f: a.f + b.f, f2: a.f2 + b.f2, g: a.g + b.g, g2: a.g2 + b.g2)
    }
}

/// `count` samples of component k (0 = +, 1 = -) with their own normal
/// stream: a block's numbers depend only on (seed, k, block index), so how
/// blocks are spread over threads cannot change a bit of the result.
final class SampleBlock: @unchecked Sendable {
    let component: Int
    let count: Int
    let normals: NormalSource
    let d: Int
    let eps: UnsafeMutablePointer<Double>
    /// Σ ε over the block's samples (when `sumEps`).
    let epsSum: UnsafeMutablePointer<Double>
    var sums = BlockSums()

    init(component: Int, count: Int, seed: UInt64, index: Int, d: Int) {
        self.component = component
        self.count = count
        self.d = d
        normals = NormalSource(seed: seed, stream: "particles.mc/\(component == 0 ? "plus" : "minus")/\(index)")
        eps = .allocate(capacity: d)
        epsSum = .allocate(capacity: d)
        eps.initialize(repeating: 0, count: d)
        epsSum.initialize(repeating: 0, count: d)
    }

    deinit {
        eps.deallocate()
        epsSum.deallocate()
    }

    /// Draws the block's samples x = m_k + √s ε and accumulates their sums.
    func run(_ p: StepInputs) {
        let k = component, d = p.d
        let mk = component == 0 ? p.means.0 : p.means.1
        let mkD = k == 0 ? p.mkD.0 : p.mkD.1
        let mkDelta = k == 0 ? p.mkDelta.0 : p.mkDelta.1
        let distPBase = k == 0 ? p.distP.0 : p.distP.1
        let distQBase = k == 0 ? p.d2 : 0  // |m_k - m₋|²
        let twoS = 2 * p.s, s = p.s, sq = p.sqrtS
        if p.sumEps { epsSum.update(repeating: 0, count: d) }
        var acc = BlockSums()
        for _ in 0..<count {
            normals.fill(eps, count: d)
            let e: (eD: Double, eM: Double, e2: Double)
            switch (p.full, p.sumEps) {
            case (false, false): e = Kernels.samplePass(eps, p.dvec, mk, nil, d, full: false)
            case (true, false): e = Kernels.samplePass(eps, p.dvec, mk, nil, d, full: true)
            case (false, true): e = Kernels.samplePass(eps, p.dvec, mk, epsSum, d, full: false)
            case (true, true): e = Kernels.samplePass(eps, p.dvec, mk, epsSum, d, full: true)
            }
            var eDelta = 0.0, eMu = 0.0
            for j in 0..<p.rank { eDelta += eps[j] * p.delta[j]; eMu += eps[j] * p.muMinus[j] }
            // h_q(x), h_p(x) for x = m_k + √s ε.
            let hq = p.lambda + (mkD + sq * e.eD - p.halfQ) / s
            let xDelta = mkDelta + sq * eDelta
            let hp = p.ell + (xDelta - p.halfT) / p.sp2
            acc.rq += GaussianIntegrals.logistic(hq)
            acc.rp += GaussianIntegrals.logistic(hp)
            if p.full {
                // log q(x), log p(x) without their -(d/2) log(2π var) constants.
                let se2 = s * e.e2
                let distQ = distQBase + (k == 0 ? 2 * sq * e.eD : 0) + se2
                let logQ = p.logOneMinusW - distQ / twoS + GaussianIntegrals.softplus(hq)
                let distP = distPBase + 2 * sq * (e.eM - eMu) + se2
                let logP = p.logOneMinusRho - distP / (2 * p.sp2) + GaussianIntegrals.softplus(hp)
                let f = logQ - p.c * logP
                acc.f += f; acc.f2 += f * f
                var logP1 = logP
                if p.sp2KL != p.sp2 {
                    let hp1 = p.ell + (xDelta - p.halfT) / p.sp2KL
                    logP1 = p.logOneMinusRho - distP / (2 * p.sp2KL) + GaussianIntegrals.softplus(hp1)
                }
                let g = logQ - logP1
                acc.g += g; acc.g2 += g * g
            }
        }
        sums = acc
    }
}

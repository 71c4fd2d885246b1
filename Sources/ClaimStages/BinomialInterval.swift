import GSL
import StageAPI

/// Where a proportion measured on n independent trials falls when the true
/// probability is p: the central acceptance interval [k_lo/n, k_hi/n] of
/// X ~ Binomial(n, p) at level `level`, shared by `tests` proportions checked
/// together (Bonferroni: each gets (1 − level)/tests, so all of them fall
/// inside with probability ≥ level). k_lo is the largest k with
/// P(X < k) ≤ α/2, k_hi the smallest with P(X > k) ≤ α/2 (exact CDF, GSL).
struct BinomialInterval: Sendable, Equatable {
    var p: Double, n: Int, level: Double, tests: Int

    var bounds: (lo: Double, hi: Double) {
        let tail = (1 - level) / Double(tests) / 2
        // P(X ≤ k) is increasing in k: bisect on k for each tail.
        func firstK(_ ok: (Int) -> Bool) -> Int {
            var lo = 0, hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if ok(mid) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        // Largest k with P(X ≤ k − 1) ≤ tail: one below the first k whose P(X ≤ k) exceeds it.
        let kLo = firstK { SpecialFunctions.binomialP($0, p: p, n: n) > tail }
        // Smallest k with P(X > k) ≤ tail.
        let kHi = firstK { SpecialFunctions.binomialQ($0, p: p, n: n) <= tail }
        return (Double(kLo) / Double(n), Double(kHi) / Double(n))
    }
}

/// Fixed-precision decimal formatting by integer arithmetic (never `String(format:)`, whose output
/// depends on the C locale and libc): a number is rounded once to an integer count of 10⁻ᵈ units,
/// and that integer is printed. Trailing zeros and a negative zero are dropped, so the same
/// `Double` always gives the same bytes.
enum Fixed {
    private static let powers: [Int] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// `x` rounded half away from zero to `digits` decimals (0...6). Non-finite values are a
    /// programming error upstream (marks filter them); they are written as 0 rather than crash.
    static func format(_ x: Double, digits: Int = 2) -> String {
        precondition((0...6).contains(digits), "Fixed.format: digits must be in 0...6")
        guard x.isFinite else { return "0" }
        let scale = powers[digits]
        let clamped = Swift.max(-1e12, Swift.min(1e12, x))
        let n = Int((clamped * Double(scale)).rounded(.toNearestOrAwayFromZero))
        return scaled(n, digits: digits)
    }

    /// The decimal string of `n × 10⁻ᵈⁱᵍⁱᵗˢ`, e.g. `scaled(-1250, digits: 3) == "-1.25"`.
    static func scaled(_ n: Int, digits: Int, keepTrailingZeros: Bool = false) -> String {
        if n == 0 && !keepTrailingZeros { return "0" }
        let negative = n < 0
        let magnitude = n.magnitude
        var s = negative ? "-" : ""
        if digits == 0 { return s + String(magnitude) }
        let scale = UInt(powers[digits])
        s += String(magnitude / scale)
        var frac = String(magnitude % scale)
        frac = String(repeating: "0", count: digits - frac.count) + frac
        if !keepTrailingZeros {
            while frac.hasSuffix("0") { frac.removeLast() }
        }
        if !frac.isEmpty { s += "." + frac }
        return s
    }
}

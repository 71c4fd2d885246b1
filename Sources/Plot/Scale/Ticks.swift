import Foundation

/// One tick of an axis. `label` is rich-text markup (see ``RichText``); minor ticks have none.
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: String?
    public var isMajor: Bool { label != nil }
    public init(value: Double, label: String?) { self.value = value; self.label = label }
}

/// The ticks of an axis, and a common multiplier (e.g. `×10^{−3}`) shown at the axis end when
/// the labels would otherwise be unreadably long.
public struct AxisTicks: Sendable, Equatable {
    public var ticks: [Tick]
    public var multiplier: String?
    public var major: [Tick] { ticks.filter(\.isMajor) }
    public var minor: [Tick] { ticks.filter { !$0.isMajor } }
}

/// Tick placement and labels. Linear axes get "nice" steps of 1, 2 or 5 × 10ⁿ; log axes get
/// 10ⁿ (every k-th decade when there are many) with minor ticks at 2…9 × 10ⁿ. Tick values are
/// built from integers (`m × 10ᵉ`), so labels are exact decimals ("0.3", never
/// "0.30000000000000004"), and the minus sign is U+2212.
public enum TickLocator {
    /// Ticks for a linear axis over [lo, hi] with at most `maxTicks` labelled ticks.
    /// `lo == hi` is widened (±10 %, or ±1 around 0); non-finite limits throw.
    public static func linear(_ lo: Double, _ hi: Double, maxTicks: Int = 7) throws -> AxisTicks {
        guard lo.isFinite, hi.isFinite else {
            throw PlotError.invalidRange("linear axis limits must be finite, got \(lo)…\(hi)")
        }
        var (a, b) = lo <= hi ? (lo, hi) : (hi, lo)
        if a == b { (a, b) = Ranges.widenSingle(a, scale: .linear) }
        let target = Swift.max(2, maxTicks)
        let span = b - a
        var e = Int(Foundation.floor(Foundation.log10(span / Double(target))))
        var chosen: (s: Int, e: Int, kLo: Int, kHi: Int)? = nil
        search: for _ in 0..<4 {
            for s in [1, 2, 5] {
                let step = Double(s) * pow10(e)
                guard Swift.max(Swift.abs(a), Swift.abs(b)) / step < 1e15 else {
                    throw PlotError.invalidRange("axis range \(a)…\(b) is too narrow for its magnitude")
                }
                let kLo = Int(Foundation.ceil(a / step - 1e-9)), kHi = Int(Foundation.floor(b / step + 1e-9))
                if kHi - kLo + 1 <= target {
                    chosen = (s, e, kLo, kHi)
                    break search
                }
            }
            e += 1
        }
        guard let c = chosen else { throw PlotError.invalidRange("no tick spacing found for \(a)…\(b)") }
        let ms = c.kHi >= c.kLo ? (c.kLo...c.kHi).map { $0 * c.s } : []
        // Common multiplier when the labels would be very small or very large numbers.
        let maxM = ms.map(\.magnitude).max() ?? 0
        var p = 0
        if maxM > 0 {
            let oom = String(maxM).count - 1 + c.e
            if oom <= -4 || oom >= 5 { p = oom }
        }
        let ticks = ms.map { m in
            Tick(value: value(m, exponent: c.e), label: decimalLabel(m, exponent: c.e - p))
        }
        return AxisTicks(ticks: ticks, multiplier: p == 0 ? nil : "×10^{\(minus(p))}")
    }

    /// Ticks for a log₁₀ axis over [lo, hi] (both > 0) with at most `maxMajor` labelled ticks.
    public static func log(_ lo: Double, _ hi: Double, maxMajor: Int = 7) throws -> AxisTicks {
        guard lo.isFinite, hi.isFinite, lo > 0, hi > 0 else {
            throw PlotError.invalidRange("log axis limits must be finite and > 0, got \(lo)…\(hi)")
        }
        var (a, b) = lo <= hi ? (lo, hi) : (hi, lo)
        if a == b { (a, b) = Ranges.widenSingle(a, scale: .log) }
        let la = Foundation.log10(a), lb = Foundation.log10(b)
        let eps = 1e-9
        let inRange = { (v: Double) in v >= a * (1 - eps) && v <= b * (1 + eps) }
        let nLo = Int(Foundation.ceil(la - eps)), nHi = Int(Foundation.floor(lb + eps))
        let maxMajor = Swift.max(2, maxMajor)
        var ticks: [Tick] = []
        if nHi - nLo + 1 >= 2 {
            let stride = [1, 2, 3, 4, 5, 10, 20, 50, 100].first { st in
                (nLo...nHi).filter { mod($0, st) == 0 }.count <= maxMajor
            } ?? 100
            let minorDecades = Int(Foundation.floor(la))...nHi
            for n in minorDecades {
                let decade = pow10(n)
                if mod(n, stride) == 0 {
                    if inRange(decade) { ticks.append(Tick(value: decade, label: "10^{\(minus(n))}")) }
                } else if inRange(decade) {
                    ticks.append(Tick(value: decade, label: nil))
                }
                if stride == 1 && nHi - nLo <= 12 {
                    for k in 2...9 where inRange(Double(k) * decade) {
                        ticks.append(Tick(value: Double(k) * decade, label: nil))
                    }
                }
            }
        } else {
            // Less than two decades marked: label 1, 2, 5 × 10ⁿ (or every k × 10ⁿ if that is too few).
            var labelled: Set<Int> = [1, 2, 5]
            let count125 = candidates(la, lb).filter { labelled.contains($0.k) && inRange($0.v) }.count
            if count125 < 2 { labelled = Set(1...9) }
            var entries = candidates(la, lb).filter { inRange($0.v) }
            if entries.filter({ labelled.contains($0.k) }).count > maxMajor { labelled = [1, 5] }
            entries.sort { $0.v < $1.v }
            for c in entries {
                ticks.append(Tick(value: c.v, label: labelled.contains(c.k) ? kTimesPow10(c.k, c.n) : nil))
            }
        }
        ticks.sort { $0.value < $1.value }
        return AxisTicks(ticks: ticks, multiplier: nil)
    }

    /// Ticks for a symmetric-log axis: 0 and ±10ⁿ (n with 10ⁿ ≥ the linear threshold).
    public static func symlog(_ lo: Double, _ hi: Double, linearThreshold c: Double, maxMajor: Int = 7) throws -> AxisTicks {
        guard lo.isFinite, hi.isFinite, c > 0, c.isFinite else {
            throw PlotError.invalidRange("symlog axis limits and threshold must be finite (threshold > 0)")
        }
        let (a, b) = lo <= hi ? (lo, hi) : (hi, lo)
        let nC = Int(Foundation.ceil(Foundation.log10(c) - 1e-9))
        let nMax = Int(Foundation.floor(Foundation.log10(Swift.max(Swift.abs(a), Swift.abs(b), c)) + 1e-9))
        var values: [(Double, Int)] = [(0, Int.min)]
        if nMax >= nC { for n in nC...nMax { values.append((pow10(n), n)); values.append((-pow10(n), n)) } }
        values = values.filter { $0.0 >= a * (1 + 1e-9) - 1e-300 && $0.0 <= b * (1 + 1e-9) + 1e-300 || $0.0 == 0 && a <= 0 && b >= 0 }
        values.sort { $0.0 < $1.0 }
        var stride = 1
        while values.count / stride > maxMajor { stride += 1 }
        let ticks = values.map { (v, n) -> Tick in
            if n == Int.min { return Tick(value: 0, label: "0") }
            let show = mod(n - nC, stride) == 0
            return Tick(value: v, label: show ? (v < 0 ? "\u{2212}" : "") + "10^{\(minus(n))}" : nil)
        }
        return AxisTicks(ticks: ticks, multiplier: nil)
    }

    // MARK: helpers

    private static func candidates(_ la: Double, _ lb: Double) -> [(k: Int, n: Int, v: Double)] {
        var out: [(k: Int, n: Int, v: Double)] = []
        for n in Int(Foundation.floor(la))...Int(Foundation.floor(lb)) {
            for k in 1...9 { out.append((k, n, Double(k) * pow10(n))) }
        }
        return out
    }

    /// "k × 10ⁿ" as a decimal when short, else in markup with a superscript.
    static func kTimesPow10(_ k: Int, _ n: Int) -> String {
        if n >= -3 && n <= 4 { return decimalLabel(k, exponent: n) }
        return k == 1 ? "10^{\(minus(n))}" : "\(k)×10^{\(minus(n))}"
    }

    /// The exact decimal `m × 10ᵉ` with max(0, −e) decimals and a U+2212 minus.
    static func decimalLabel(_ m: Int, exponent e: Int) -> String {
        let sign = m < 0 ? "\u{2212}" : ""
        let mag = Int(m.magnitude)
        if e >= 0 { return sign + String(mag) + String(repeating: "0", count: mag == 0 ? 0 : e) }
        var digits = String(mag)
        let decimals = -e
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        let cut = digits.index(digits.endIndex, offsetBy: -decimals)
        let label = String(digits[..<cut]) + "." + String(digits[cut...])
        return (mag == 0 ? "" : sign) + label
    }

    static func minus(_ n: Int) -> String { n < 0 ? "\u{2212}\(-n)" : "\(n)" }

    static func mod(_ a: Int, _ b: Int) -> Int { ((a % b) + b) % b }

    /// m × 10ᵉ with one rounding when |e| ≤ 22.
    static func value(_ m: Int, exponent e: Int) -> Double {
        if e < 0 && e >= -22 { return Double(m) / exactPowers[-e] }
        return Double(m) * pow10(e)
    }

    /// 10ⁿ, exact for |n| ≤ 22 (powers of ten up to 1e22 are exact doubles; 1/10ⁿ is one rounding).
    static func pow10(_ n: Int) -> Double {
        if n >= 0 && n <= 22 { return exactPowers[n] }
        if n < 0 && n >= -22 { return 1 / exactPowers[-n] }
        return Foundation.pow(10, Double(n))
    }
    private static let exactPowers: [Double] = (0...22).map { n in (0..<n).reduce(1.0) { acc, _ in acc * 10 } }
}

/// Axis-range helpers shared by the locator and the layout.
enum Ranges {
    /// A degenerate range [v, v] widened to something drawable.
    static func widenSingle(_ v: Double, scale: Scale) -> (Double, Double) {
        switch scale {
        case .log: return (v / Foundation.sqrt(10), v * Foundation.sqrt(10))
        default:
            if v == 0 { return (-1, 1) }
            let d = 0.1 * Swift.abs(v)
            return (v - d, v + d)
        }
    }
}

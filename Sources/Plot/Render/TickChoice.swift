import Foundation

/// Chooses the ticks of one axis for its length: as many as fit without labels colliding.
enum TickChoice {
    static func ticks(scale: Scale, lo: Double, hi: Double, custom: [Double]?, length: Double,
                      horizontal: Bool, fontSize: Double) throws -> AxisTicks {
        if let custom {
            let inside = custom.filter { scale.accepts($0) && $0 >= Swift.min(lo, hi) - 1e-12 * Swift.abs(hi - lo) && $0 <= Swift.max(lo, hi) + 1e-12 * Swift.abs(hi - lo) }
            let values = inside.sorted()
            return AxisTicks(ticks: zip(values, labels(for: values, scale: scale)).map { Tick(value: $0, label: $1) }, multiplier: nil)
        }
        // Start from about one label per 30 pt (x) or 22 pt (y) and thin out until labels clear.
        var n = Swift.max(2, Swift.min(horizontal ? 10 : 9, Int(length / (horizontal ? 30 : 22))))
        while true {
            let t = try locate(scale: scale, lo: lo, hi: hi, n: n)
            if n <= 2 || !collides(t, scale: scale, lo: lo, hi: hi, length: length, horizontal: horizontal, fontSize: fontSize) {
                return t
            }
            n -= 1
        }
    }

    static func locate(scale: Scale, lo: Double, hi: Double, n: Int) throws -> AxisTicks {
        switch scale {
        case .linear: return try TickLocator.linear(lo, hi, maxTicks: n)
        case .log: return try TickLocator.log(lo, hi, maxMajor: n)
        case .symlog(let c): return try TickLocator.symlog(lo, hi, linearThreshold: c, maxMajor: n)
        }
    }

    /// Whether neighbouring major labels would overlap (or sit closer than half an em).
    static func collides(_ t: AxisTicks, scale: Scale, lo: Double, hi: Double, length: Double,
                         horizontal: Bool, fontSize: Double) -> Bool {
        let map = AxisMap(scale: scale, lo: lo, hi: hi, p0: 0, p1: length)
        let majors = t.major.compactMap { tick -> (Double, Double)? in
            guard let p = map(tick.value), let l = tick.label else { return nil }
            let size = horizontal ? FontMetrics.width(RichText(l), fontSize: fontSize) : 1.25 * fontSize
            return (p, size)
        }.sorted { $0.0 < $1.0 }
        for (a, b) in zip(majors, majors.dropFirst()) where b.0 - a.0 < (a.1 + b.1) / 2 + 0.5 * fontSize {
            return true
        }
        return false
    }

    /// Labels for user-given tick values: powers of ten as 10ⁿ on log axes; otherwise exact
    /// decimals sharing one number of decimals (0.5, 1.0, 1.5 — not 0.5, 1, 1.5).
    static func labels(for values: [Double], scale: Scale) -> [String] {
        let single = values.map { label(for: $0, scale: scale) }
        let decimals = single.filter { !$0.contains("^") }.map { s in s.split(separator: ".").dropFirst().first?.count ?? 0 }.max() ?? 0
        return zip(values, single).map { v, s in
            if s.contains("^") || decimals == 0 { return s }
            let text = Fixed.scaled(Int((v * TickLocator.pow10(decimals)).rounded()), digits: decimals, keepTrailingZeros: true)
            return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
        }
    }

    /// A label for a user-given tick value: 10ⁿ on log axes, else the shortest exact decimal
    /// with at most 6 decimals.
    static func label(for v: Double, scale: Scale) -> String {
        if scale.isLog {
            let n = Foundation.log10(v).rounded()
            if Swift.abs(v - TickLocator.pow10(Int(n))) <= 1e-12 * v { return "10^{\(TickLocator.minus(Int(n)))}" }
        }
        for d in 0...6 {
            let scaled = v * TickLocator.pow10(d)
            if Swift.abs(scaled - scaled.rounded()) <= 1e-9 * Swift.max(1, Swift.abs(scaled)) || d == 6 {
                let s = Fixed.scaled(Int(scaled.rounded()), digits: d, keepTrailingZeros: true)
                return s.hasPrefix("-") ? "\u{2212}" + s.dropFirst() : s
            }
        }
        return ""
    }
}

import StageAPI
/// Building deterministic HTML text.
struct HTML {
    private(set) var text = ""

    mutating func line(_ s: String) { text += s + "\n" }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// An id from a path: letters, digits and '-'.
    static func anchor(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return String(name.prefix { $0 != "." }.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// `path` relative to the directory of `from` (both project-relative).
    static func relative(_ path: String, from: String) -> String {
        let a = path.split(separator: "/"), b = from.split(separator: "/").dropLast()
        var common = 0
        while common < min(a.count, b.count), a[common] == b[common] { common += 1 }
        return (Array(repeating: "..", count: b.count - common) + a[common...].map(String.init)).joined(separator: "/")
    }

    /// A measured value for people: 4 significant digits, shortest form.
    static func number(_ v: Double) -> String {
        guard v.isFinite, v != 0 else { return v == 0 ? "0" : v.description }
        let mag = Int((abs(v)).log10Floor)
        let scale = pow10(3 - mag)
        let r = (v * scale).rounded() / scale
        var s = r.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    static func pow10(_ k: Int) -> Double {
        var x = 1.0
        for _ in 0..<abs(k) { x *= 10 }
        return k >= 0 ? x : 1 / x
    }
}

extension Double {
    /// floor(log10(|x|)) without libm (exact for powers of ten).
    var log10Floor: Double {
        var x = abs(self), k = 0.0
        while x >= 10 { x /= 10; k += 1 }
        while x < 1 { x *= 10; k -= 1 }
        return k
    }
}

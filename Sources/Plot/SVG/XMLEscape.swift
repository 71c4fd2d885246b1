/// XML 1.0 escaping for character data and attribute values. Characters that XML 1.0 forbids
/// (C0 controls other than tab, LF, CR; U+FFFE/U+FFFF) are replaced by U+FFFD so the output
/// always parses.
enum XMLEscape {
    static func text(_ s: String) -> String { escape(s, quotes: false) }
    static func attribute(_ s: String) -> String { escape(s, quotes: true) }

    private static func escape(_ s: String, quotes: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            case "\t", "\n", "\r":
                out += quotes ? "&#\(u.value);" : String(u)
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}

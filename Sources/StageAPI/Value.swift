/// A parameter value from pipeline.yaml, typed the way YAML 1.2's core schema
/// types scalars. Objects keep their keys sorted, so every encoding of a value
/// is canonical: no dictionary order ever reaches a key or an output.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(Object)

    /// Keys sorted by their UTF-8 bytes; at most one entry per key.
    public struct Object: Sendable, Equatable {
        public private(set) var entries: [(key: String, value: Value)]

        public init(_ pairs: [(String, Value)] = []) {
            entries = []
            for (k, v) in pairs { self[k] = v }
        }

        /// From pairs in any order; of repeated keys the last one counts.
        /// Sorts once (n log n) instead of inserting key by key (n²).
        package init(lastWins pairs: [(String, Value)]) {
            let order = pairs.indices.sorted {
                pairs[$0].0 == pairs[$1].0 ? $0 < $1 : Value.utf8Less(pairs[$0].0, pairs[$1].0)
            }
            entries = []
            entries.reserveCapacity(pairs.count)
            for i in order {
                if let last = entries.last, last.key == pairs[i].0 {
                    entries[entries.count - 1].value = pairs[i].1
                } else {
                    entries.append(pairs[i])
                }
            }
        }

        public var keys: [String] { entries.map(\.key) }
        public var isEmpty: Bool { entries.isEmpty }

        public subscript(key: String) -> Value? {
            get { index(of: key).flatMap { $0.found ? entries[$0.at].value : nil } }
            set {
                let (found, at) = index(of: key) ?? (false, entries.count)
                switch (found, newValue) {
                case (true, let v?): entries[at].value = v
                case (true, nil): entries.remove(at: at)
                case (false, let v?): entries.insert((key, v), at: at)
                case (false, nil): break
                }
            }
        }

        /// Binary search by UTF-8 order. Returns the insertion point when absent.
        private func index(of key: String) -> (found: Bool, at: Int)? {
            var lo = 0, hi = entries.count
            while lo < hi {
                let mid = (lo + hi) / 2
                let k = entries[mid].key
                if k == key { return (true, mid) }
                if Value.utf8Less(k, key) { lo = mid + 1 } else { hi = mid }
            }
            return (false, lo)
        }

        public static func == (a: Object, b: Object) -> Bool {
            a.entries.count == b.entries.count
                && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }
    }

    package static func utf8Less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// A short name of the type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "list"
        case .object: "mapping"
        }
    }
}

// MARK: - Canonical JSON

extension Value {
    /// Canonical JSON: sorted keys, no whitespace, integers as integers, doubles
    /// in Swift's shortest round-trip form. Stated rules for the awkward doubles:
    /// -0.0 is written as 0.0 (it compares equal and no parameter means anything
    /// else by it), integral doubles keep a ".0" so 1 and 1.0 hash differently
    /// (they are different YAML types), and NaN/±inf are written as the strings
    /// "NaN", "Infinity", "-Infinity" (JSON has no literal for them).
    public var canonicalJSON: String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    package func writeJSON(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Value.canonicalDouble(d)
        case .string(let s): Value.writeJSONString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.writeJSON(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, e) in o.entries.enumerated() {
                if i > 0 { out += "," }
                Value.writeJSONString(e.key, into: &out)
                out += ":"
                e.value.writeJSON(into: &out)
            }
            out += "}"
        }
    }

    public static func canonicalDouble(_ d: Double) -> String {
        if d.isNaN { return "\"NaN\"" }
        if d.isInfinite { return d > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        if d == 0 { return "0.0" }
        return d.description  // shortest round-trip; "1.0", "1e-07", "2.5e+20"
    }

    public static func writeJSONString(_ s: String, into out: inout String) {
        // Fast path: nothing to escape (paths, digests, names), appended whole.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

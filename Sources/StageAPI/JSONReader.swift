/// A small JSON parser into `Value` that keeps the int/double distinction of
/// the text (a number with '.', 'e' or 'E' is a double), so canonical JSON
/// read back re-encodes to the same bytes.
public struct JSONReader {
    private let bytes: [UInt8]
    private var i = 0
    private var rawKeys: Set<String> = []
    private var depth = 0

    /// Arrays and objects nest at most this deep: the parser (and everything
    /// that walks a `Value`) recurses, and a 50 000-deep file must be refused,
    /// not overflow the stack. The lock and the stages' JSON nest below 10.
    public static let maxDepth = 256

    /// - Parameter rawKeys: object keys whose values are returned unparsed, as
    ///   `.string(their exact JSON text)` (the lock's canonical params).
    public static func parse(_ text: String, rawKeys: Set<String> = []) throws -> Value {
        var r = JSONReader(bytes: Array(text.utf8))
        r.rawKeys = rawKeys
        r.skipSpace()
        let v = try r.value()
        r.skipSpace()
        guard r.i == r.bytes.count else { throw r.fail("trailing characters") }
        return v
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public struct SyntaxError: Error, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    private func fail(_ m: String) -> SyntaxError { SyntaxError(offset: i, message: m) }

    private mutating func skipSpace() {
        while i < bytes.count {
            let c = bytes[i]
            guard c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func expect(_ s: String) throws {
        for b in s.utf8 {
            guard i < bytes.count, bytes[i] == b else { throw fail("expected '\(s)'") }
            i += 1
        }
    }

    private mutating func value() throws -> Value {
        guard i < bytes.count else { throw fail("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < JSONReader.maxDepth else { throw fail("nested deeper than \(JSONReader.maxDepth) levels") }
            depth += 1
            defer { depth -= 1 }
            return bytes[i] == UInt8(ascii: "{") ? try object() : try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default: return try number()
        }
    }

    private mutating func object() throws -> Value {
        i += 1
        // Collected, then sorted once: inserting each key in order would be
        // quadratic in the number of keys.
        var pairs: [(String, Value)] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(Value.Object()) }
        while true {
            skipSpace()
            let k = try string()
            skipSpace()
            try expect(":")
            skipSpace()
            if rawKeys.contains(k) {
                let start = i
                _ = try value()
                pairs.append((k, .string(String(decoding: bytes[start..<i], as: UTF8.self))))
            } else {
                pairs.append((k, try value()))
            }
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            try expect("}")
            return .object(Value.Object(lastWins: pairs))
        }
    }

    private mutating func array() throws -> Value {
        i += 1
        var arr: [Value] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
        while true {
            skipSpace()
            arr.append(try value())
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            try expect("]")
            return .array(arr)
        }
    }

    private mutating func number() throws -> Value {
        let start = i
        var isDouble = false
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isDouble = true }
            guard (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || isDouble && (c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")) else { break }
            i += 1
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if !isDouble, let n = Int(text) { return .int(n) }
        guard let d = Double(text) else { throw fail("invalid number '\(text)'") }
        return .double(d)
    }

    private mutating func string() throws -> String {
        try expect("\"")
        var out = [UInt8]()
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
                    throw fail("bad \\u escape")
                }
                i += 4
                var scalarValue = code
                // Surrogate pair.
                if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                   let low = UInt32(String(decoding: bytes[i + 2..<i + 6], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(low) {
                    i += 6
                    scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8)
            default: out.append(e)
            }
        }
        throw fail("unterminated string")
    }
}

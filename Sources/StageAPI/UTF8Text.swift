import Foundation

/// Decodes the bytes of pipeline.yaml or repro.lock, which must be UTF-8, and
/// says precisely why they are not: a UTF-16/32 file (as some editors save),
/// a NUL byte, or the first invalid byte with its line and column.
package enum UTF8Text {
    package struct Problem: Error, Equatable {
        package var message: String
        /// 1-based position of the offending byte.
        package var line: Int
        package var column: Int
        package var offset: Int
        /// The encoding it most likely is, as iconv names it, if one can be told.
        package var likely: String? = nil
    }

    package static func decode(_ data: Data) -> Result<String, Problem> {
        let b = [UInt8](data)
        if let enc = unicodeBOM(b) {
            return .failure(Problem(message: "is \(enc) text (it starts with a \(enc) byte-order mark)", line: 1, column: 1, offset: 0, likely: enc))
        }
        let start = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if let nul = b[start...].firstIndex(of: 0) {
            let (line, column) = position(of: nul, in: b, from: start)
            // ASCII text saved as UTF-16 has every other byte zero.
            let zeros = b[start...].prefix(64).enumerated().filter { $0.element == 0 }.count
            // ... and as UTF-32, three bytes in four.
            let sample = min(64, b.count - start)
            let looksUTF32 = b.count - start >= 8 && zeros * 4 >= sample * 3 - 4
            let looksUTF16 = !looksUTF32 && b.count - start >= 4 && zeros * 3 >= sample
            let likely = looksUTF32 ? "UTF-32" : looksUTF16 ? "UTF-16" : nil
            return .failure(Problem(message: likely.map { "looks like \($0) text without a byte-order mark (it has NUL bytes)" }
                                                ?? "contains a NUL byte",
                                    line: line, column: column, offset: nul, likely: likely))
        }
        var bad: Int?
        var i = start
        while i < b.count {
            let n = sequenceLength(b, at: i)
            if n == 0 { bad = i; break }
            i += n
        }
        if let bad {
            let (line, column) = position(of: bad, in: b, from: start)
            // A lone byte above 0x7F in otherwise plain text: most likely Latin-1 (ISO-8859-1) or Windows-1252.
            return .failure(Problem(message: "is not valid UTF-8 (byte 0x\(String(b[bad], radix: 16, uppercase: true)))",
                                    line: line, column: column, offset: bad, likely: "LATIN1"))
        }
        return .success(String(decoding: b[start...], as: UTF8.self))
    }

    private static func unicodeBOM(_ b: [UInt8]) -> String? {
        if b.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32" }
        if b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE]) { return "UTF-16" }
        return nil
    }

    /// Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or 0.
    private static func sequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return 1 }
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool { i + k < b.count && (lo...hi).contains(b[i + k]) }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }

    /// Line and column (in bytes, 1-based) of byte `offset`.
    private static func position(of offset: Int, in b: [UInt8], from start: Int) -> (Int, Int) {
        var line = 1, lineStart = start
        for j in start..<offset where b[j] == 0x0A {
            line += 1
            lineStart = j + 1
        }
        return (line, offset - lineStart + 1)
    }
}

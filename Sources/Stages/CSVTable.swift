import Engine
import Foundation

/// A tidy CSV table written byte-deterministically: LF line ends, a trailing
/// newline, numbers in Swift's shortest round-trip form (`Double.description`,
/// so a value reads back to the same bits), no locale, no padding. A table
/// holding a non-finite number is not written: `write` fails naming the cell.
public struct CSVTable: Sendable {
    public enum Cell: Sendable {
        case double(Double)
        case int(Int)
        case text(String)
    }

    public let columns: [String]
    public private(set) var rows: [[Cell]] = []

    public init(columns: [String]) { self.columns = columns }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "CSV row has \(row.count) cells, header has \(columns.count)")
        rows.append(row)
    }

    public mutating func append(contentsOf other: CSVTable) {
        precondition(other.columns == columns)
        rows += other.rows
    }

    public var text: String {
        var out = columns.map(Self.quoted).joined(separator: ",") + "\n"
        for row in rows {
            let line = row.map(Self.format).joined(separator: ",")
            // A lone empty cell is quoted: an empty line would read as no row.
            out += line.isEmpty ? "\"\"" : line
            out += "\n"
        }
        return out
    }

    public func write(to url: URL) throws {
        try checkFinite(name: url.lastPathComponent)
        try Data(text.utf8).write(to: url)
    }

    /// Throws `StageFailure` at the first NaN or infinity, with its column and row (1 = first data row).
    public func checkFinite(name: String) throws {
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                if case .double(let v) = cell, !v.isFinite {
                    throw StageFailure("would write \(v) into \(name), column '\(columns[c])', row \(r + 1)"
                                       + " (\(Self.describe(row, columns)));"
                                       + " a non-finite number means the computation left its valid range: check the params")
                }
            }
        }
    }

    /// The row's leading text and integer cells (its identifying key, as `d = 2, seed = 0`).
    static func describe(_ row: [Cell], _ columns: [String]) -> String {
        var parts: [String] = []
        for (c, cell) in row.enumerated() {
            switch cell {
            case .int(let i): parts.append("\(columns[c]) = \(i)")
            case .text(let s) where !s.isEmpty: parts.append("\(columns[c]) = \(s)")
            case .text: break
            case .double(let d) where parts.count < 4 && d.isFinite: parts.append("\(columns[c]) = \(d)")
            default: return parts.joined(separator: ", ")
            }
            if parts.count >= 4 { break }
        }
        return parts.joined(separator: ", ")
    }

    static func format(_ c: Cell) -> String {
        switch c {
        case .double(let d): d == 0 ? "0.0" : d.description  // -0.0 written as 0.0
        case .int(let i): String(i)
        case .text(let s): quoted(s)
        }
    }

    static func quoted(_ s: String) -> String {
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

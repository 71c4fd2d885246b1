import Engine
import Foundation

/// A tidy CSV table written byte-deterministically: LF line ends, a trailing
/// newline, numbers in Swift's shortest round-trip form (`Double.description`,
/// so a value reads back to the same bits), no locale, no padding.
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
            out += row.map(Self.format).joined(separator: ",")
            out += "\n"
        }
        return out
    }

    public func write(to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    static func format(_ c: Cell) -> String {
        switch c {
        case .double(let d): d == 0 ? "0.0" : d.description  // -0.0 written as 0.0
        case .int(let i): String(i)
        case .text(let s): quoted(s)
        }
    }

    static func quoted(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

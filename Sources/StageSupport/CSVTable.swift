import Foundation
import StageAPI

/// A tidy CSV table written byte-deterministically: LF line ends, a trailing
/// newline, numbers in Swift's shortest round-trip form (`Double.description`,
/// so a value reads back to the same bits), no locale, no padding. Rows are
/// filled by column (`append([.mu: .double(2), …])`), in the schema's order.
/// A table is written only when every cell fits its column's type (see
/// `ColumnType`) and every number is finite: `write` fails naming the cell.
public struct CSVTable: Sendable {
    public enum Cell: Sendable, Equatable {
        case double(Double)
        case int(Int)
        case text(String)
        /// No value: only in an `optional` column.
        case empty
    }

    public let schema: [Column]
    public var columns: [String] { schema.map(\.name) }
    public private(set) var rows: [[Cell]] = []

    public init(schema: [Column]) { self.schema = schema }

    /// A row, by column: every column of the schema exactly once.
    public mutating func append(_ row: [Column: Cell]) {
        precondition(row.count == schema.count && schema.allSatisfy { row[$0] != nil },
                     "CSV row sets \(row.keys.map(\.name).sorted()), the schema is \(columns)")
        rows.append(schema.map { row[$0]! })
    }

    /// A row in schema order (for tables whose columns are a computed list).
    public mutating func append(positional row: [Cell]) {
        precondition(row.count == schema.count, "CSV row has \(row.count) cells, header has \(schema.count)")
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
        try check(name: url.lastPathComponent)
        try Data(text.utf8).write(to: url)
    }

    /// Throws `StageFailure` at the first cell that does not fit its column
    /// (a NaN or infinity, a text in a number column, an empty cell where the
    /// column is not optional, a category not among its values), with its
    /// column and row (1 = first data row).
    public func check(name: String) throws {
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                guard let problem = Self.misfit(cell, schema[c]) else { continue }
                throw StageFailure("would write \(problem) into \(name), column '\(columns[c])', row \(r + 1)"
                                   + " (\(Self.describe(row, columns)))"
                                   + (problem.hasPrefix("the non-finite") ? "; a non-finite number means the computation left its valid range: check the params" : ""))
            }
        }
    }

    /// Why `cell` does not fit `column`, or nil.
    package static func misfit(_ cell: Cell, _ column: Column) -> String? {
        switch (cell, column.type) {
        case (.empty, _):
            return column.optional ? nil : "an empty cell"
        case (.double(let v), .double):
            return v.isFinite ? nil : "the non-finite number \(v)"
        case (.int, .int), (.text, .text):
            return nil
        case (.text(let s), .choice(let values)):
            return values.contains(s) ? nil : "'\(s)' (not one of \(values.joined(separator: ", ")))"
        case (.double(let v), _):
            return v.isFinite ? "the number \(v) (the column is \(column.type))" : "the non-finite number \(v)"
        case (.int(let i), _):
            return "the integer \(i) (the column is \(column.type))"
        case (.text(let s), _):
            return "the text '\(s)' (the column is \(column.type))"
        }
    }

    /// The row's leading text and integer cells (its identifying key, as `d = 2, seed = 0`).
    package static func describe(_ row: [Cell], _ columns: [String]) -> String {
        var parts: [String] = []
        for (c, cell) in row.enumerated() {
            switch cell {
            case .int(let i): parts.append("\(columns[c]) = \(i)")
            case .text(let s) where !s.isEmpty: parts.append("\(columns[c]) = \(s)")
            case .text, .empty: break
            case .double(let d) where parts.count < 4 && d.isFinite: parts.append("\(columns[c]) = \(d)")
            default: return parts.joined(separator: ", ")
            }
            if parts.count >= 4 { break }
        }
        return parts.joined(separator: ", ")
    }

    package static func format(_ c: Cell) -> String {
        switch c {
        case .double(let d): d == 0 ? "0.0" : d.description  // -0.0 written as 0.0
        case .int(let i): String(i)
        case .text(let s): quoted(s)
        case .empty: ""
        }
    }

    package static func quoted(_ s: String) -> String {
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

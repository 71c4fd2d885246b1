import Foundation
import StageAPI
import StageSupport

/// Splits a tidy CSV written by `CSVTable` into its header and records of
/// text cells (comma-separated, double quotes around cells holding commas,
/// quotes or line breaks, which a quoted cell keeps). Readers use `Table`,
/// which types each column once from these records.
public struct CSVReader: Sendable {
    public let columns: [String]
    public let rows: [[String]]

    public init(url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StageFailure("cannot read \(url.lastPathComponent) as UTF-8 text")
        }
        try self.init(text: text, name: url.lastPathComponent)
    }

    public init(text: String, name: String = "CSV") throws {
        var lines = text.contains("\"") ? try Self.quotedRecords(text, name: name)
            : text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { throw StageFailure("\(name) is empty") }
        columns = lines.removeFirst()
        for (i, r) in lines.enumerated() where r.count != columns.count {
            throw StageFailure("\(name) line \(i + 2) has \(r.count) cells, the header has \(columns.count)")
        }
        rows = lines
    }

    /// Records of a text with quoted cells: a line break inside quotes belongs
    /// to the cell; empty lines between records are skipped. By scalar, since
    /// "\r\n" is a single Character.
    package static func quotedRecords(_ text: String, name: String) throws -> [[String]] {
        var records: [[String]] = [], record: [String] = []
        var cell = String.UnicodeScalarView(), quoted = false, afterQuote = false, lineHasContent = false
        var it = text.unicodeScalars.makeIterator()
        var pending = it.next()
        while let c = pending {
            pending = it.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" { cell.append("\""); pending = it.next() } else { quoted = false; afterQuote = true }
                } else {
                    cell.append(c)
                }
                continue
            }
            switch c {
            case "\"" where cell.isEmpty && !afterQuote:
                quoted = true
                lineHasContent = true
            case ",":
                record.append(String(cell)); cell = .init(); afterQuote = false
                lineHasContent = true
            case "\n":
                if lineHasContent || !cell.isEmpty { record.append(String(cell)); records.append(record) }
                record = []; cell = .init(); afterQuote = false; lineHasContent = false
            default:
                cell.append(c)
                lineHasContent = true
            }
        }
        if quoted { throw StageFailure("\(name) ends inside a quoted cell") }
        if lineHasContent || !cell.isEmpty { record.append(String(cell)); records.append(record) }
        return records
    }

    package init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }
}

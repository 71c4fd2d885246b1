import EngineCore
import StageAPI
import Foundation
import Random
import Stages
import XCTest
import StageSupport
import TableQuery

/// Any table `CSVTable` writes, `CSVReader` reads back equal: the same
/// header and, cell for cell, the text the writer formatted (a number's
/// shortest round-trip form, a text cell's exact characters, quotes and line
/// breaks included).
final class CSVRoundTripTests: XCTestCase {
    /// The project's seeded generator: every run tests the same tables.
    typealias Mix = Xoshiro256

    /// Characters that matter to the format, and some that do not.
    static let alphabet: [String] = [",", "\"", "\n", "\r", "\r\n", " ", "a", "Z", "0", "-", ".", "é", "μ", "😀", "\t", "\"\""]

    func text(_ r: inout Mix) -> String {
        (0..<r.nextInt(below: 6)).map { _ in Self.alphabet[r.nextInt(below: Self.alphabet.count)] }.joined()
    }

    /// A cell of a column of type `kind` (0 integers, 1–2 numbers, 3 text).
    func cell(_ r: inout Mix, kind: Int) -> CSVTable.Cell {
        switch kind {
        case 0: .int(Int(bitPattern: UInt(r.next())) >> r.nextInt(below: 60))
        case 1: .double(Double(bitPattern: r.next() & 0x7FEF_FFFF_FFFF_FFFF) * (r.nextInt(below: 2) == 0 ? 1 : -1))
        case 2: .double(Double(r.nextInt(below: 2001) - 1000) / 8)
        default: .text(text(&r))
        }
    }

    /// What the reader should return for a cell: its written form, unquoted.
    func expected(_ c: CSVTable.Cell) -> String {
        switch c {
        case .int(let i): String(i)
        case .double(let d): d == 0 ? "0.0" : d.description
        case .text(let s): s
        case .empty: ""
        }
    }

    static func type(_ kind: Int) -> ColumnType { kind == 0 ? .int : kind < 3 ? .double : .text }

    func testEveryWrittenTableReadsBackEqual() throws {
        var r = Mix(seed: 2024, stream: "csv-round-trip")
        for trial in 0..<2000 {
            let columns = (0..<(1 + r.nextInt(below: 4))).map { "c\($0)" + (r.nextInt(below: 3) == 0 ? text(&r) : "") }
            let kinds = columns.map { _ in r.nextInt(below: 4) }
            var table = CSVTable(schema: zip(columns, kinds).map { Column($0, Self.type($1)) })
            for _ in 0..<r.nextInt(below: 6) { table.append(positional: kinds.map { cell(&r, kind: $0) }) }
            XCTAssertNoThrow(try table.check(name: "t.csv"), "trial \(trial): every cell fits its column")
            let back = try CSVReader(text: table.text)
            XCTAssertEqual(back.columns, columns, "trial \(trial): header of \(table.text.debugDescription)")
            XCTAssertEqual(back.rows, table.rows.map { $0.map(expected) }, "trial \(trial): \(table.text.debugDescription)")
        }
    }

    func testALineBreakInsideQuotesStaysInTheCell() throws {
        var t = CSVTable(schema: [Column("id", .int), Column("note", .text)])
        t.append(positional: [.int(1), .text("two\nlines, one cell")])
        t.append(positional: [.int(2), .text("crlf\r\nhere")])
        let back = try CSVReader(text: t.text)
        XCTAssertEqual(back.rows, [["1", "two\nlines, one cell"], ["2", "crlf\r\nhere"]])
    }

    func testAnUnterminatedQuoteIsAnError() {
        XCTAssertThrowsError(try CSVReader(text: "a,b\n1,\"open\n"))
    }
}

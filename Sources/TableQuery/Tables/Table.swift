import Foundation
import StageAPI
import StageSupport

/// A CSV table read once into typed columns: numbers are parsed when the file
/// is read, never again, and selecting rows compares typed values. Read with
/// a schema (`Schema`), its header and every cell are checked against it;
/// without one, each column's type is inferred (integers, numbers, else text).
/// Every failure names the file, the line and the column.
public struct Table: Sendable {
    /// What a column holds, one entry per row; nil is an empty cell.
    public enum Values: Sendable, Equatable {
        case double([Double?])
        case int([Int?])
        case text([String])

        package var count: Int {
            switch self { case .double(let v): v.count; case .int(let v): v.count; case .text(let v): v.count }
        }

        package func picking(_ rows: [Int]) -> Values {
            switch self {
            case .double(let v): .double(rows.map { v[$0] })
            case .int(let v): .int(rows.map { v[$0] })
            case .text(let v): .text(rows.map { v[$0] })
            }
        }
    }

    /// The file's path (for messages).
    public let name: String
    public let columns: [String]
    package let values: [Values]
    /// The file line of each row (for messages).
    package let lines: [Int]
    public var count: Int { lines.count }
    public var isEmpty: Bool { lines.isEmpty }

    package init(name: String, columns: [String], values: [Values], lines: [Int]) {
        self.name = name
        self.columns = columns
        self.values = values
        self.lines = lines
    }

    public static func read(_ url: URL, name: String, schema: [Column]? = nil) throws -> Table {
        guard let data = try? Data(contentsOf: url) else { throw TableError(file: name, "cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw TableError(file: name, "is not UTF-8 text") }
        return try parse(text, name: name, schema: schema)
    }

    public static func parse(_ text: String, name: String, schema: [Column]? = nil) throws -> Table {
        let csv: CSVReader
        do { csv = try CSVReader(text: text, name: name) } catch let e as StageFailure { throw TableError(file: name, e.message) }
        if let schema, csv.columns != schema.map(\.name) {
            let i = zip(csv.columns, schema).enumerated().first { $0.element.0 != $0.element.1.name }?.offset ?? min(csv.columns.count, schema.count)
            let found = i < csv.columns.count ? "'\(csv.columns[i])'" : "nothing"
            let wanted = i < schema.count ? "'\(schema[i].name)'" : "no more columns"
            throw TableError(file: name, line: 1, "header column \(i + 1) is \(found) where its schema has \(wanted)"
                             + " (schema: \(schema.map(\.name).joined(separator: ",")))")
        }
        let lines = csv.rows.indices.map { $0 + 2 }
        let values = try csv.columns.indices.map { c in
            let cells = csv.rows.map { $0[c] }
            let column = schema?[c] ?? Column(csv.columns[c], inferType(cells), optional: true)
            return try typed(cells, column, file: name, lines: lines)
        }
        return Table(name: name, columns: csv.columns, values: values, lines: lines)
    }

    /// Integers if every non-empty cell is one, numbers if every one is, else text.
    package static func inferType(_ cells: [String]) -> ColumnType {
        let filled = cells.filter { !$0.isEmpty }
        if filled.allSatisfy({ Int($0) != nil }) { return .int }
        if filled.allSatisfy({ Double($0) != nil }) { return .double }
        return .text
    }

    package static func typed(_ cells: [String], _ column: Column, file: String, lines: [Int]) throws -> Values {
        func fail(_ i: Int, _ what: String) -> TableError { TableError(file: file, line: lines[i], column: column.name, what) }
        func checkEmpty(_ i: Int) throws { if !column.optional { throw fail(i, "is empty; the column is \(column.type)") } }
        switch column.type {
        case .double:
            return .double(try cells.enumerated().map { i, s in
                if s.isEmpty { try checkEmpty(i); return nil }
                guard let v = Double(s) else { throw fail(i, "'\(s)' is not a number") }
                return v
            })
        case .int:
            return .int(try cells.enumerated().map { i, s in
                if s.isEmpty { try checkEmpty(i); return nil }
                guard let v = Int(s) else { throw fail(i, "'\(s)' is not an integer") }
                return v
            })
        case .text:
            return .text(cells)
        case .choice(let allowed):
            for (i, s) in cells.enumerated() where !allowed.contains(s) {
                throw fail(i, "'\(s)' is not one of \(allowed.joined(separator: ", "))")
            }
            return .text(cells)
        }
    }

    // MARK: columns

    public func values(_ column: String) throws -> Values {
        guard let i = columns.firstIndex(of: column) else {
            throw TableError(file: name, column: column, "is not a column (columns: \(columns.joined(separator: ", ")))")
        }
        return values[i]
    }

    /// A column's numbers (integers widened); an empty cell or text fails, naming its line.
    public func doubles(_ column: Column) throws -> [Double] {
        try optionalDoubles(column).enumerated().map { i, v in
            guard let v else { throw TableError(file: name, line: lines[i], column: column.name, "is empty where a number is needed") }
            return v
        }
    }

    /// A column's numbers, nil where a cell is empty.
    public func optionalDoubles(_ column: Column) throws -> [Double?] {
        switch try values(column.name) {
        case .double(let v): return v
        case .int(let v): return v.map { $0.map(Double.init) }
        case .text: throw TableError(file: name, column: column.name, "holds text, not numbers")
        }
    }

    public func ints(_ column: Column) throws -> [Int] {
        guard case .int(let v) = try values(column.name) else { throw TableError(file: name, column: column.name, "does not hold integers") }
        return try v.enumerated().map { i, x in
            guard let x else { throw TableError(file: name, line: lines[i], column: column.name, "is empty where an integer is needed") }
            return x
        }
    }

    public func texts(_ column: Column) throws -> [String] {
        guard case .text(let v) = try values(column.name) else { throw TableError(file: name, column: column.name, "does not hold text") }
        return v
    }

    /// The column's distinct numbers, in first-appearance order.
    public func distinctDoubles(_ column: Column) throws -> [Double] {
        var seen = Set<Double>(), out: [Double] = []
        for v in try doubles(column) where seen.insert(v).inserted { out.append(v) }
        return out
    }

    public func distinctInts(_ column: Column) throws -> [Int] {
        var seen = Set<Int>(), out: [Int] = []
        for v in try ints(column) where seen.insert(v).inserted { out.append(v) }
        return out
    }

    /// This table's rows, then `other`'s (the same columns; integers widened where the other has numbers).
    public func appending(_ other: Table) throws -> Table {
        guard other.columns == columns else {
            throw TableError(file: other.name, "has columns \(other.columns.joined(separator: ",")), \(name) has \(columns.joined(separator: ","))")
        }
        let joined = try zip(columns, zip(values, other.values)).map { column, pair -> Values in
            switch pair {
            case (.double(let a), .double(let b)): return .double(a + b)
            case (.int(let a), .int(let b)): return .int(a + b)
            case (.int(let a), .double(let b)): return .double(a.map { $0.map(Double.init) } + b)
            case (.double(let a), .int(let b)): return .double(a + b.map { $0.map(Double.init) })
            case (.text(let a), .text(let b)): return .text(a + b)
            default: throw TableError(file: other.name, column: column, "holds another type than in \(name)")
            }
        }
        return Table(name: name + " + " + other.name, columns: columns, values: joined, lines: lines + other.lines)
    }

    // MARK: rows

    /// The rows at these indices, in this order.
    public func rows(_ indices: [Int]) -> Table {
        Table(name: name, columns: columns, values: values.map { $0.picking(indices) }, lines: indices.map { lines[$0] })
    }

    /// The rows where every condition holds.
    public func selecting(_ conditions: [Condition]) throws -> Table {
        rows(try rowIndices(conditions))
    }

    /// The rows where `column` equals `value`.
    public func selecting(_ column: Column, _ value: Double) throws -> Table { try selecting([Condition(column.name, .equals(.number(value)))]) }
    public func selecting(_ column: Column, _ value: Int) throws -> Table { try selecting([Condition(column.name, .equals(.number(Double(value))))]) }
    public func selecting(_ column: Column, _ value: String) throws -> Table { try selecting([Condition(column.name, .equals(.text(value)))]) }
    public func selecting(_ weights: WeightsMode) throws -> Table { try selecting(.weights, weights.rawValue) }

    public func rowIndices(_ conditions: [Condition]) throws -> [Int] {
        var keep = Array(repeating: true, count: count)
        for c in conditions {
            let v = try values(c.column)
            for i in 0..<count where keep[i] {
                keep[i] = try c.test.holds(on: v, row: i, column: c.column, table: self)
            }
        }
        return keep.indices.filter { keep[$0] }
    }
}

/// A table that does not read as it should: the file, and where known the line and column.
public struct TableError: Error, CustomStringConvertible, Sendable {
    public let file: String, line: Int?, column: String?, what: String
    public init(file: String, line: Int? = nil, column: String? = nil, _ what: String) {
        self.file = file
        self.line = line
        self.column = column
        self.what = what
    }
    public var description: String {
        var at = file
        if let line { at += " line \(line)" }
        if let column { at += ", column '\(column)'" }
        return "\(at): \(what)"
    }
}

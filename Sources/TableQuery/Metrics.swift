import Foundation
import StageAPI
import StageSupport

/// Named numbers a figure's analysis computes from its data (the values its
/// analysis claims are checked against), written as canonical JSON: sorted
/// keys, shortest round-trip doubles, one trailing newline. A metric whose
/// data is missing or unusable is not given a value: `compute` records why
/// (`unavailable`), so a claim on it fails saying so instead of reading a default.
public struct Metrics: Sendable {
    public private(set) var values = Value.Object()
    /// Metric name → why it could not be computed.
    public private(set) var unavailable = Value.Object()

    public init() {}

    public subscript(name: String) -> Double? {
        get { values[name]?.asDouble }
        set { values[name] = newValue.map(Value.double) }
    }

    /// Sets `name` to `compute()`, or records why it failed (a missing or
    /// empty table, a non-finite result).
    public mutating func compute(_ name: String, _ compute: () throws -> Double) {
        do {
            let v = try compute()
            guard v.isFinite else { throw AnalysisError("the result is \(v), not a finite number") }
            values[name] = .double(v)
        } catch {
            unavailable[name] = .string("\(error)")
        }
    }

    /// Why `name` is missing, if it was recorded.
    public func reason(_ name: String) -> String? {
        if case .string(let s)? = unavailable[name] { return s }
        return nil
    }

    public var text: String { Value.object(values).canonicalJSON + "\n" }

    public func write(to url: URL) throws { try Data(text.utf8).write(to: url) }

    /// Reads a figure's JSON (`{"metrics": {...}, "unavailable": {...}, ...}`) or a bare metrics object.
    public static func read(_ url: URL) throws -> Metrics {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw StageFailure("cannot read \(url.path)") }
        guard case .object(let o) = try JSONReader.parse(text) else { throw StageFailure("\(url.lastPathComponent) is not a JSON object") }
        var m = Metrics()
        if case .object(let inner)? = o["metrics"] { m.values = inner } else { m.values = o }
        if case .object(let why)? = o["unavailable"] { m.unavailable = why }
        return m
    }
}

/// An analysis that cannot give a number from the data it has.
public struct AnalysisError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Guards of the analyses: no empty input, no value that stands in for data.
package enum Require {
    /// `xs`, unless it is empty.
    package static func nonEmpty<C: Collection>(_ xs: C, _ what: @autoclosure () -> String) throws -> C {
        guard !xs.isEmpty else { throw AnalysisError("no \(what())") }
        return xs
    }
    package static func max(_ xs: [Double], _ what: @autoclosure () -> String) throws -> Double { try nonEmpty(xs, what()).max()! }
    package static func min(_ xs: [Double], _ what: @autoclosure () -> String) throws -> Double { try nonEmpty(xs, what()).min()! }
    package static func last<T>(_ xs: [T], _ what: @autoclosure () -> String) throws -> T { try nonEmpty(xs, what()).last! }
    package static func median(_ xs: [Double], _ what: @autoclosure () -> String) throws -> Double {
        let s = try nonEmpty(xs, what()).sorted()
        return s[s.count / 2]
    }
}

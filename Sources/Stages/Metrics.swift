import Engine
import Foundation

/// Named numbers a figure computes from its data (the values its claims are
/// checked against), written as canonical JSON: sorted keys, shortest
/// round-trip doubles, one trailing newline.
public struct Metrics: Sendable {
    public private(set) var values = Value.Object()

    public init() {}

    public subscript(name: String) -> Double? {
        get { values[name]?.asDouble }
        set { values[name] = newValue.map(Value.double) }
    }

    public var text: String { Value.object(values).canonicalJSON + "\n" }

    public func write(to url: URL) throws { try Data(text.utf8).write(to: url) }

    /// Reads a figure's JSON (`{"metrics": {...}, ...}`) or a bare metrics object.
    public static func read(_ url: URL) throws -> Metrics {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw StageFailure("cannot read \(url.path)") }
        guard case .object(let o) = try JSONReader.parse(text) else { throw StageFailure("\(url.lastPathComponent) is not a JSON object") }
        var m = Metrics()
        if case .object(let inner)? = o["metrics"] { m.values = inner } else { m.values = o }
        return m
    }
}

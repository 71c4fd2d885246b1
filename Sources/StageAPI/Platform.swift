/// One fact about the platform a stage's outputs were made on ("GSL" =
/// "2.7.1", "`python3 --version`" = "Python 3.11.2"). Kinds declare them
/// (`StageKind.platform`); they are key fields, so a cache shared between
/// machines never hands one platform's bytes to another silently.
public struct PlatformFact: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }

    public var description: String { "\(name) \(value)" }

    /// "platform: GSL 2.7.1 → 2.8", one line per changed, added or removed fact.
    package static func changes(from old: [PlatformFact], to new: [PlatformFact]) -> [String] {
        var out: [String] = []
        for f in new {
            if let o = old.first(where: { $0.name == f.name }) {
                if o.value != f.value { out.append("platform: \(f.name) \(o.value) → \(f.value)") }
            } else {
                out.append("platform: \(f.name) \(f.value) (not recorded before)")
            }
        }
        for o in old where !new.contains(where: { $0.name == o.name }) {
            out.append("platform: \(o.name) \(o.value) no longer recorded")
        }
        return out
    }
}

import Foundation
/// The outputs of a pipeline's stages, by stage name, for kinds that refer to
/// other stages' files by stage rather than restating their paths. A matrix
/// entry's base name stands for all its instances' outputs, in matrix order.
public struct StageOutputs: Sendable {
    private var outs: [String: [String]] = [:]

    public init() {}

    /// The outputs of each stage by name (a matrix entry's base name included).
    public init(byStage outs: [String: [String]]) { self.outs = outs }

    /// The outputs of stage `name`, or nil if no stage has that name.
    public subscript(name: String) -> [String]? { outs[name] }

    public var names: [String] { outs.keys.sorted() }

    /// `reference` as a file: a stage's name stands for that stage's one output whose name ends
    /// in `suffix`; anything else is a path (a missing one is reported like any missing dep).
    public func file(_ reference: String, endingIn suffix: String, key: String) throws -> String {
        guard let files = outs[reference] else { return reference }
        let matching = files.filter { $0.hasSuffix(suffix) }
        guard matching.count == 1 else {
            throw ParamError(key: key, "stage '\(reference)' has \(matching.count) outputs ending in \(suffix) (\(files.joined(separator: ", "))): name the file instead")
        }
        return matching[0]
    }
}


/// The outputs of a pipeline's stages, by stage name, for kinds that refer to
/// other stages' files by stage rather than restating their paths. A matrix
/// entry's base name stands for all its instances' outputs, in matrix order.
public struct StageOutputs: Sendable {
    private var outs: [String: [String]] = [:]

    public init() {}

    public init(_ stages: [StageSpec]) {
        for s in stages {
            outs[s.name, default: []] += s.outs
            if s.baseName != s.name { outs[s.baseName, default: []] += s.outs }
        }
    }

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

/// Dependencies a kind reads off its params (files it names, or the outputs of
/// stages it names), added to the stage's declared deps right after parsing:
/// keys, `status`, `why`, `dag` and the sandbox see them as ordinary deps.
enum DerivedDeps {
    static func apply(_ spec: PipelineSpec, registry: KindRegistry) -> (PipelineSpec, [PipelineError]) {
        let outputs = StageOutputs(spec.stages)
        var out = spec, errors: [PipelineError] = []
        for (i, s) in spec.stages.enumerated() {
            guard let kind = registry[s.kind] else { continue }
            do {
                for d in try kind.derivedDeps(Params(s.params), outputs: outputs) where !out.stages[i].deps.contains(d) {
                    out.stages[i].deps.append(d)
                    out.stages[i].locations.deps.append(s.locations.params ?? s.locations.stage)
                }
            } catch let e as ParamError {
                errors.append(PipelineError("stage '\(s.name)': parameter '\(e.key)' \(e.message)", at: s.location(ofParam: e.key),
                                            hint: "fix the value in pipeline.yaml"))
            } catch {
                errors.append(PipelineError("stage '\(s.name)': \(error)", at: s.locations.params ?? s.locations.stage))
            }
        }
        return (out, errors)
    }
}

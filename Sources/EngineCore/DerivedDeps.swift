import StageAPI

extension StageOutputs {
    public init(_ stages: [StageSpec]) {
        var outs: [String: [String]] = [:]
        for s in stages {
            outs[s.name, default: []] += s.outs
            if s.baseName != s.name { outs[s.baseName, default: []] += s.outs }
        }
        self.init(byStage: outs)
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

import EngineCore
import StageAPI
import Foundation
import Stages

/// Building stage params in tests: `P` literals → `Value`/`Params`, and the
/// registered kinds by name. Shared by the stage-kind test classes.
indirect enum P: Sendable { case i(Int), d(Double), s(String), a([P]), o([(String, P)]) }

protocol ParamBuilding {}

extension ParamBuilding {
    static func value(_ p: P) -> Value {
        switch p {
        case .i(let x): .int(x)
        case .d(let x): .double(x)
        case .s(let x): .string(x)
        case .a(let xs): .array(xs.map(value))
        case .o(let kv): .object(Value.Object(kv.map { ($0.0, value($0.1)) }))
        }
    }

    static func params(_ kv: [(String, P)]) -> Params {
        guard case .object(let o) = value(.o(kv)) else { fatalError("an object literal is an object") }
        return Params(o)
    }

    static func kind(_ name: String) -> any StageKind { StageKinds.all.first { $0.name == name }! }

    /// base with the value at `path` replaced (nil: removed; added if absent).
    static func replacing(_ base: [(String, P)], _ path: [String], with v: P?) -> [(String, P)] {
        var out: [(String, P)] = []
        var found = false
        for (k, x) in base {
            guard k == path[0] else { out.append((k, x)); continue }
            found = true
            if path.count == 1 {
                if let v { out.append((k, v)) }
            } else if case .o(let inner) = x {
                out.append((k, .o(replacing(inner, Array(path.dropFirst()), with: v))))
            }
        }
        if !found, let v { out.append((path[0], v)) }
        return out
    }
}

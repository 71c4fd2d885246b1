import Engine
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
}

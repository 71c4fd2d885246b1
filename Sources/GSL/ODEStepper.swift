import CGSL

/// The `odeiv2` stepping algorithms repro exposes, by their GSL names.
public enum ODEStepper: String, CaseIterable, Sendable {
    case rk2, rk4, rkf45, rkck, rk8pd, msbdf, bsimp, rk4imp

    /// Implicit steppers call the Jacobian (analytic or finite-difference).
    public var needsJacobian: Bool {
        switch self {
        case .msbdf, .bsimp, .rk4imp: true
        default: false
        }
    }

    var type: UnsafePointer<gsl_odeiv2_step_type> {
        switch self {
        case .rk2: repro_step_rk2()
        case .rk4: repro_step_rk4()
        case .rkf45: repro_step_rkf45()
        case .rkck: repro_step_rkck()
        case .rk8pd: repro_step_rk8pd()
        case .msbdf: repro_step_msbdf()
        case .bsimp: repro_step_bsimp()
        case .rk4imp: repro_step_rk4imp()
        }
    }
}

import CGSL

/// Absolute and relative error targets of the step-size control: each
/// component's local error is kept below abs + rel·|yᵢ| (GSL's `control_y`).
public struct ODETolerances: Sendable, Equatable {
    public var absolute: Double
    public var relative: Double
    public init(absolute: Double, relative: Double) {
        self.absolute = absolute
        self.relative = relative
    }
}

/// The integration could not proceed: GSL's code, and where it stopped.
public struct ODEFailure: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let t: Double
    public let state: [Double]
    public var reason: String {
        code == gslBadFunction ? "the right-hand side is not finite or not defined"
            : code == gslMaxIterations ? "step limit reached" : String(cString: gsl_strerror(code))
    }
    public var description: String {
        "ODE integration failed at t = \(t): \(reason) (GSL code \(code)); state = \(state)"
    }
}

/// Steps, control and evolve of odeiv2 behind GSL's own driver object (the
/// `msbdf` stepper needs the driver link for its error control). `advance`
/// integrates to an exact time (the output grid); `step` takes one adaptive
/// step (for event location). Not thread-safe; one per integration.
public final class ODEDriver {
    public let system: ODESystem
    public let stepper: ODEStepper
    public let tolerances: ODETolerances
    /// Accepted steps since creation.
    public private(set) var steps = 0
    /// 0 = no limit; otherwise `advance` fails after this many steps in one call.
    public var maxStepsPerCall: Int
    private let raw: OpaquePointer
    private let initialStep: Double

    public init(system: ODESystem, stepper: ODEStepper, tolerances: ODETolerances,
                initialStep: Double = 1e-6, maxStepsPerCall: Int = 0) throws {
        GSLLibrary.prepare()
        guard tolerances.absolute >= 0, tolerances.relative >= 0,
              tolerances.absolute + tolerances.relative > 0 else {
            throw GSLError(code: gslInvalid, routine: "ODEDriver", detail: "tolerances must be ≥ 0, not both 0")
        }
        guard let d = gsl_odeiv2_driver_alloc_y_new(system.raw, stepper.type, initialStep,
                                                     tolerances.absolute, tolerances.relative) else {
            throw GSLError(code: gslNoMemory, routine: "gsl_odeiv2_driver_alloc_y_new")
        }
        self.system = system
        self.stepper = stepper
        self.tolerances = tolerances
        self.initialStep = initialStep
        self.maxStepsPerCall = maxStepsPerCall
        raw = OpaquePointer(d)
    }

    deinit { gsl_odeiv2_driver_free(UnsafeMutablePointer(raw)) }

    private var d: UnsafeMutablePointer<gsl_odeiv2_driver> { UnsafeMutablePointer(raw) }

    /// Forget the step history (after a jump in the state or the time).
    public func reset() {
        _ = gsl_odeiv2_driver_reset_hstart(d, initialStep)
    }

    /// Largest step the control may take (∞ by default); `advance` and `step` honour it.
    public func setMaxStep(_ hmax: Double) throws {
        try GSLLibrary.check(gsl_odeiv2_driver_set_hmax(d, hmax), "gsl_odeiv2_driver_set_hmax")
    }

    /// Current step-size proposal.
    public var stepSize: Double { d.pointee.h }

    /// Integrate from `t` to exactly `t1` (t1 ≥ t), updating both.
    public func advance(t: inout Double, to t1: Double, y: inout [Double]) throws(ODEFailure) {
        precondition(y.count == system.dimension)
        var taken = 0
        while t < t1 {
            try step(t: &t, toward: t1, y: &y)
            taken += 1
            if maxStepsPerCall > 0, taken >= maxStepsPerCall, t < t1 {
                throw ODEFailure(code: gslMaxIterations, t: t, state: y)
            }
        }
    }

    /// One adaptive step toward `t1`; never passes it, nor the step cap.
    public func step(t: inout Double, toward t1: Double, y: inout [Double]) throws(ODEFailure) {
        let d = self.d
        // The cap lives in the driver, which applies it only in its own loop
        // (gsl_odeiv2_driver_apply); this loop calls evolve directly, so clamp
        // the proposal here as that loop does. evolve never steps beyond it.
        let hmax = d.pointee.hmax
        if abs(d.pointee.h) > hmax { d.pointee.h = d.pointee.h < 0 ? -hmax : hmax }
        var tt = t
        let code = y.withUnsafeMutableBufferPointer { yb in
            gsl_odeiv2_evolve_apply(d.pointee.e, d.pointee.c, d.pointee.s, d.pointee.sys, &tt, t1, &d.pointee.h,
                                    yb.baseAddress)
        }
        if code != gslSuccess { throw ODEFailure(code: code, t: tt, state: y) }
        if tt == t {  // no progress: the step size underflowed
            throw ODEFailure(code: gslNoProgress, t: tt, state: y)
        }
        t = tt
        steps += 1
    }
}

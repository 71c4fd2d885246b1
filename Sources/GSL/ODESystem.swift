import CGSL

/// The "system" layer of GSL's odeiv2: dy/dt = f(t, y), and optionally its
/// Jacobian. The closures receive raw buffers (no allocation per call).
///
/// - `rhs(t, y, dydt)` returns false when it cannot evaluate (a NaN, a state
///   outside the domain): the step fails and the driver reports where.
/// - `jacobian(t, y, dfdy, dfdt)`: dfdy is row-major n×n, dfdy[i*n+j] =
///   ∂fᵢ/∂yⱼ. Without one, implicit steppers get forward differences.
///
/// Not thread-safe: one system per integration thread.
public final class ODESystem {
    public typealias RHS = (_ t: Double, _ y: UnsafeBufferPointer<Double>,
                            _ dydt: UnsafeMutableBufferPointer<Double>) -> Bool
    public typealias Jacobian = (_ t: Double, _ y: UnsafeBufferPointer<Double>,
                                 _ dfdy: UnsafeMutableBufferPointer<Double>,
                                 _ dfdt: UnsafeMutableBufferPointer<Double>) -> Bool

    public let dimension: Int
    let rhs: RHS
    let jacobian: Jacobian?
    /// Calls of `rhs`, including those made for finite-difference Jacobians.
    public internal(set) var rhsEvaluations = 0
    public internal(set) var jacobianEvaluations = 0

    /// Scratch for finite differences.
    private var f0: [Double], f1: [Double], yp: [Double]
    let raw: UnsafeMutablePointer<gsl_odeiv2_system>

    public init(dimension: Int, jacobian: Jacobian? = nil, rhs: @escaping RHS) {
        precondition(dimension > 0)
        self.dimension = dimension
        self.rhs = rhs
        self.jacobian = jacobian
        f0 = Array(repeating: 0, count: dimension)
        f1 = f0
        yp = f0
        raw = .allocate(capacity: 1)
        raw.initialize(to: gsl_odeiv2_system(function: odeFunctionTrampoline, jacobian: odeJacobianTrampoline,
                                             dimension: dimension, params: nil))
        raw.pointee.params = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { raw.deallocate() }

    /// f(t, y) into dydt; false on failure or a non-finite result.
    @inline(__always)
    func evaluate(_ t: Double, _ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>) -> Bool {
        rhsEvaluations += 1
        guard rhs(t, y, dydt) else { return false }
        for v in dydt where !v.isFinite { return false }
        return true
    }

    func evaluateJacobian(_ t: Double, _ y: UnsafeBufferPointer<Double>,
                          _ dfdy: UnsafeMutableBufferPointer<Double>, _ dfdt: UnsafeMutableBufferPointer<Double>) -> Bool {
        jacobianEvaluations += 1
        if let jacobian { return jacobian(t, y, dfdy, dfdt) }
        return finiteDifferenceJacobian(t, y, dfdy, dfdt)
    }

    /// Forward differences, step √ε·max(|yⱼ|, 1). Only the Newton iteration of
    /// an implicit stepper uses it, so its error costs speed, not accuracy.
    private func finiteDifferenceJacobian(_ t: Double, _ y: UnsafeBufferPointer<Double>,
                                          _ dfdy: UnsafeMutableBufferPointer<Double>,
                                          _ dfdt: UnsafeMutableBufferPointer<Double>) -> Bool {
        let n = dimension
        let eps = Double.ulpOfOne.squareRoot()
        return f0.withUnsafeMutableBufferPointer { f0 in
            f1.withUnsafeMutableBufferPointer { f1 in
                yp.withUnsafeMutableBufferPointer { yp in
                    guard evaluate(t, y, f0) else { return false }
                    for j in 0..<n { yp[j] = y[j] }
                    for j in 0..<n {
                        let h = eps * max(abs(y[j]), 1)
                        yp[j] = y[j] + h
                        let hj = yp[j] - y[j]
                        guard evaluate(t, UnsafeBufferPointer(yp), f1) else { return false }
                        for i in 0..<n { dfdy[i * n + j] = (f1[i] - f0[i]) / hj }
                        yp[j] = y[j]
                    }
                    let ht = eps * max(abs(t), 1)
                    guard evaluate(t + ht, y, f1) else { return false }
                    for i in 0..<n { dfdt[i] = (f1[i] - f0[i]) / ht }
                    return true
                }
            }
        }
    }
}

private func odeFunctionTrampoline(_ t: Double, _ y: UnsafePointer<Double>?, _ dydt: UnsafeMutablePointer<Double>?,
                                   _ params: UnsafeMutableRawPointer?) -> Int32 {
    let system = Unmanaged<ODESystem>.fromOpaque(params!).takeUnretainedValue()
    let n = system.dimension
    let ok = system.evaluate(t, UnsafeBufferPointer(start: y, count: n), UnsafeMutableBufferPointer(start: dydt, count: n))
    return ok ? gslSuccess : gslBadFunction
}

private func odeJacobianTrampoline(_ t: Double, _ y: UnsafePointer<Double>?, _ dfdy: UnsafeMutablePointer<Double>?,
                                   _ dfdt: UnsafeMutablePointer<Double>?, _ params: UnsafeMutableRawPointer?) -> Int32 {
    let system = Unmanaged<ODESystem>.fromOpaque(params!).takeUnretainedValue()
    let n = system.dimension
    let ok = system.evaluateJacobian(t, UnsafeBufferPointer(start: y, count: n),
                                     UnsafeMutableBufferPointer(start: dfdy, count: n * n),
                                     UnsafeMutableBufferPointer(start: dfdt, count: n))
    return ok ? gslSuccess : gslBadFunction
}

/// The flow's forward and backward passes in the trainer's precision: what
/// `ReverseKLTrainer` calls once per step or evaluation. (An enum, not a
/// protocol existential, so that each case calls its specialised code.)
enum FlowPasses {
    case double(PrecisionPasses<Double>)
    case single(PrecisionPasses<Float>)

    func lossAndGradient(rows n: Int, base z: UnsafePointer<Double>, target: GaussianMixtureTarget,
                         logpFactor c: Double) -> Estimate {
        switch self {
        case .double(let p): p.lossAndGradient(rows: n, base: z, target: target, logpFactor: c)
        case .single(let p): p.lossAndGradient(rows: n, base: z, target: target, logpFactor: c)
        }
    }

    func evaluate(base z: UnsafePointer<Double>, count: Int, samples: UnsafeMutablePointer<Double>?,
                  target: GaussianMixtureTarget) -> FlowMetrics {
        switch self {
        case .double(let p): p.evaluate(base: z, count: count, samples: samples, target: target)
        case .single(let p): p.evaluate(base: z, count: count, samples: samples, target: target)
        }
    }

    func logDensity(points: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        switch self {
        case .double(let p): p.logDensity(points: points, count: count, into: out)
        case .single(let p): p.logDensity(points: points, count: count, into: out)
        }
    }
}

/// The passes in precision T. The trainer's parameters and gradient are
/// double: with T = Double the passes use them in place; with T = Float they
/// work on a Float copy of the parameters (rounded before each pass) and
/// widen their gradient into the trainer's. The target's density and its
/// gradient, the base density and every sum over rows are double; a row is
/// widened to double for them (exactly, so T = Double is bit for bit the
/// double code).
final class PrecisionPasses<T: FlowScalar> {
    let flow: RealNVP
    let ws: FlowWorkspaceOf<T>
    /// The trainer's double parameters and gradient.
    let params: Buffer
    let grad: Buffer
    /// T's parameters and gradient: the trainer's own when T is Double.
    let paramsT: UnsafeMutablePointer<T>
    let gradT: UnsafeMutablePointer<T>
    let copies: (ScalarBuffer<T>, ScalarBuffer<T>)?
    /// Per-row values of the loss, and one row widened to double with its gradient.
    let values: Buffer
    let row: Buffer
    let rowGrad: Buffer

    init(flow: RealNVP, capacity: Int, params: Buffer, grad: Buffer) {
        self.flow = flow
        ws = FlowWorkspaceOf<T>(flow, capacity: capacity)
        self.params = params
        self.grad = grad
        if T.self == Double.self {
            copies = nil
            paramsT = UnsafeMutableRawPointer(params.pointer).assumingMemoryBound(to: T.self)
            gradT = UnsafeMutableRawPointer(grad.pointer).assumingMemoryBound(to: T.self)
        } else {
            let c = (ScalarBuffer<T>(params.count), ScalarBuffer<T>(grad.count))
            copies = c
            paramsT = c.0.pointer
            gradT = c.1.pointer
        }
        values = Buffer(capacity)
        row = Buffer(flow.dim)
        rowGrad = Buffer(flow.dim)
    }

    /// Rounds the parameters into T's copy (nothing to do for Double).
    func loadParameters() {
        guard copies != nil else { return }
        let p = params.pointer
        for i in 0..<params.count { paramsT[i] = T(p[i]) }
    }

    /// Widens `count` values of T to double.
    @inline(__always)
    func widen(_ src: UnsafePointer<T>, into dst: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { dst[i] = Double(src[i]) }
    }

    /// Rounds `count` doubles to T (exact for Double).
    @inline(__always)
    func round(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { dst[i] = T(src[i]) }
    }

    func lossAndGradient(rows n: Int, base z: UnsafePointer<Double>, target: GaussianMixtureTarget,
                         logpFactor c: Double) -> Estimate {
        precondition(n <= ws.capacity)
        loadParameters()
        let d = flow.dim, z0 = ws.states[0].pointer
        round(z, into: z0, count: n * d)
        flow.forward(rows: n, params: UnsafePointer(paramsT), workspace: ws)
        let x = ws.states[flow.layers.count].pointer, gx = ws.gradX.pointer, f = values.pointer
        let xd = row.pointer, gd = rowGrad.pointer
        let scale = -c / Double(n)
        for b in 0..<n {
            // ∂L/∂x_b = -(c/n) ∇log p(x_b)
            widen(x + b * d, into: xd, count: d)
            let (logp, _) = target.evaluate(xd, grad: gd, gradScale: scale)
            round(gd, into: gx + b * d, count: d)
            f[b] = flow.baseLogDensity(z0 + b * d) - Double(ws.logDet[b]) - c * logp
        }
        let loss = Estimate(f, count: n)
        flow.backward(rows: n, params: UnsafePointer(paramsT), grad: gradT, logDetWeight: T(-1 / Double(n)),
                      workspace: ws)
        if copies != nil { widen(gradT, into: grad.pointer, count: grad.count) }
        return loss
    }

    func evaluate(base z: UnsafePointer<Double>, count: Int, samples: UnsafeMutablePointer<Double>?,
                  target: GaussianMixtureTarget) -> FlowMetrics {
        loadParameters()
        let d = flow.dim, cap = ws.capacity
        let f = Buffer(count), xd = row.pointer
        var wPlus = 0.0, wMinus = 0.0
        var mPlus = [Double](repeating: 0, count: d), mMinus = [Double](repeating: 0, count: d)
        var start = 0
        while start < count {
            let n = min(cap, count - start)
            let z0 = ws.states[0].pointer
            round(z + start * d, into: z0, count: n * d)
            flow.forward(rows: n, params: UnsafePointer(paramsT), workspace: ws)
            let x = ws.states[flow.layers.count].pointer
            for b in 0..<n {
                widen(x + b * d, into: xd, count: d)
                samples?.advanced(by: (start + b) * d).update(from: xd, count: d)
                let (logp, r) = target.evaluate(xd)
                f[start + b] = flow.baseLogDensity(z0 + b * d) - Double(ws.logDet[b]) - logp
                wPlus += r
                wMinus += 1 - r
                for i in 0..<d {
                    mPlus[i] += r * xd[i]
                    mMinus[i] += (1 - r) * xd[i]
                }
            }
            start += n
        }
        var uu = 0.0, ap = 0.0, am = 0.0
        for i in 0..<d {
            let u = (target.muPlus[i] - target.muMinus[i]) / 2
            uu += u * u
            ap += mPlus[i] * u
            am += mMinus[i] * u
        }
        return FlowMetrics(kl: Estimate(f.pointer, count: count), massPlus: wPlus / Double(count),
                           alphaPlus: ap / wPlus / uu, alphaMinus: am / wMinus / uu)
    }

    func logDensity(points: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        loadParameters()
        let d = flow.dim, buf = ws.states[0].pointer
        var start = 0
        while start < count {
            let n = min(ws.capacity, count - start)
            round(points + start * d, into: buf, count: n * d)
            flow.logDensity(points: UnsafePointer(buf), count: n, params: UnsafePointer(paramsT), workspace: ws,
                            into: out + start)
            start += n
        }
    }
}

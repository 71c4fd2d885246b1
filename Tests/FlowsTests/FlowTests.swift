import Foundation
import Random
import XCTest
import Flows

/// The flow as a distribution: invertible, and its density is normalised.
final class FlowTests: XCTestCase {
    func testInverseUndoesForwardAndLogDetsAgree() {
        for d in [2, 5] {
            // A far start (c = 3): large scales and shifts make this a real test.
            let flow = RealNVP(FlowArchitecture(dim: d, couplingLayers: 8, hidden: [16, 16], lastLayerScale: 3),
                               maskSeed: 4)
            let params = flow.initialParameters(seed: 9)
            let n = 40
            let ws = FlowWorkspace(flow, capacity: 16)  // smaller than n: exercises chunking
            var rng = Xoshiro256(seed: 1, stream: "inv")
            let z = Buffer(n * d)
            for i in 0..<(n * d) { z[i] = rng.nextNormal() }
            let x = Buffer(n * d), zBack = Buffer(n * d), ldInv = Buffer(n), logq = Buffer(n)
            flow.transform(base: z.pointer, count: n, params: params.pointer, workspace: ws, into: x.pointer)
            flow.inverse(points: x.pointer, count: n, params: params.pointer, workspace: ws, base: zBack.pointer,
                         logDet: ldInv.pointer)
            var worst = 0.0
            for i in 0..<(n * d) { worst = max(worst, abs(zBack[i] - z[i])) }
            XCTAssertLessThan(worst, 1e-10, "d=\(d)")
            // log q(x) from the inverse equals log N(z) - log|det ∂x/∂z| from the forward.
            flow.logDensity(points: x.pointer, count: n, params: params.pointer, workspace: ws, into: logq.pointer)
            let wsF = FlowWorkspace(flow, capacity: n)
            wsF.states[0].pointer.update(from: z.pointer, count: n * d)
            flow.forward(rows: n, params: params.pointer, workspace: wsF)
            for b in 0..<n {
                let expected = flow.baseLogDensity(z.pointer + b * d) - wsF.logDet[b]
                XCTAssertEqual(logq[b], expected, accuracy: 1e-10)
            }
            // The image moved: the far start is not the identity.
            XCTAssertGreaterThan((0..<(n * d)).map { abs(x[$0] - z[$0]) }.max()!, 0.5)
        }
    }

    func testDensityIntegratesToOneOnAGrid() {
        let flow = RealNVP(FlowArchitecture(dim: 2, couplingLayers: 4, hidden: [8], lastLayerScale: 1),
                           maskSeed: 2)
        let params = flow.initialParameters(seed: 3)
        let h = 0.1, lo = -12.0, k = 241
        let pts = Buffer(k * k * 2)
        for i in 0..<k {
            for j in 0..<k {
                pts[2 * (i * k + j)] = lo + Double(i) * h
                pts[2 * (i * k + j) + 1] = lo + Double(j) * h
            }
        }
        let logq = Buffer(k * k)
        flow.logDensity(points: pts.pointer, count: k * k, params: params.pointer,
                        workspace: FlowWorkspace(flow, capacity: 1024), into: logq.pointer)
        var mass = 0.0
        for i in 0..<(k * k) { mass += Foundation.exp(logq[i]) }
        mass *= h * h
        print("∫q on [-12, 12]², h = 0.1: \(mass)")
        XCTAssertEqual(mass, 1, accuracy: 1e-6)
    }
}

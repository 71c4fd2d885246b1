// Small statistics shared by the figures' analyses and drawings.
import Foundation
import StageAPI
import StageSupport
import TableQuery

/// Least-squares line y = a + b x, with R².
func linearFit(_ x: [Double], _ y: [Double]) -> (a: Double, b: Double, r2: Double) {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (u, v) in zip(x, y) { sxy += (u - mx) * (v - my); sxx += (u - mx) * (u - mx); syy += (v - my) * (v - my) }
    let b = sxy / sxx
    return (my - b * mx, b, sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : 1)
}

/// The residual sum of squares of the least-squares line through (x, y).
func residualSquares(_ x: [Double], _ y: [Double]) -> Double {
    let f = linearFit(x, y)
    return zip(x, y).reduce(0) { $0 + ($1.1 - f.a - f.b * $1.0) * ($1.1 - f.a - f.b * $1.0) }
}

/// Mean and standard error of the mean (0 for one value).
func meanSE(_ xs: [Double]) -> (Double, Double) {
    let n = Double(xs.count), mean = xs.reduce(0, +) / n
    guard xs.count > 1 else { return (mean, 0) }
    let v = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (v / n).squareRoot())
}

extension Table {
    /// The value of `column` in the row where `key` is closest to `at`.
    func value(_ column: Column, where key: Column, closestTo at: Double) throws -> Double {
        let ks = try doubles(key), vs = try doubles(column)
        guard let i = ks.indices.min(by: { abs(ks[$0] - at) < abs(ks[$1] - at) }) else {
            throw AnalysisError("\(name) has no rows, so no \(column) near \(key) = \(at)")
        }
        return vs[i]
    }

    /// The rows grouped by an integer column (seeds), groups in first-appearance order.
    func groups(by column: Column) throws -> [(key: Int, rows: Table)] {
        let keys = try ints(column)
        var order: [Int] = [], members: [Int: [Int]] = [:]
        for (i, k) in keys.enumerated() {
            if members[k] == nil { order.append(k) }
            members[k, default: []].append(i)
        }
        return order.map { ($0, rows(members[$0]!)) }
    }
}

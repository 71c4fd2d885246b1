import Foundation
import StageAPI

/// `kind: concat` — gathers tidy CSVs into its single out, in the order of its
/// deps: the first file whole, every later one without its header line. All
/// headers must be byte-identical; the usual use gathers a matrix of cells:
///
///     sweep:
///       kind: concat
///       deps: [sweep-cell@*]      # every out of every instance, in matrix order
///       outs: [artifacts/sweep/sweep.csv]
///
/// No params. Each dep must be non-empty and end with a newline, so that
/// joining files never glues two rows together. Files are streamed in
/// chunks: a gather of hundreds of files holds one chunk at a time.
public struct CSVConcatKind: StageKind {
    public init() {}
    public let name = "concat"
    public let summary = "gather CSVs with identical header lines into one (the first file whole, the others without their header), in deps order"
    public var defaultCPUs: Int? { 1 }

    public struct Config: Sendable {}

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        guard stage.outs.count == 1 else {
            throw StageFailure("a concat stage writes exactly one out (it lists \(stage.outs.count))")
        }
        guard !stage.deps.isEmpty else {
            throw StageFailure("a concat stage needs at least one dep (e.g. deps: [cell@*])")
        }
        return Config()
    }

    static let chunk = 1 << 16

    public func run(_ config: Config, in ctx: StageContext) throws {
        let outURL = try ctx.output(ctx.info.outs[0])
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil) else {
            throw StageFailure("cannot create '\(ctx.info.outs[0])'")
        }
        let out = try FileHandle(forWritingTo: outURL)
        defer { try? out.close() }
        var firstHeader: (path: String, line: [UInt8])?
        for dep in ctx.info.deps {
            try ctx.checkCancellation()
            let input = try FileHandle(forReadingFrom: try ctx.input(dep))
            defer { try? input.close() }
            var header: [UInt8] = []
            var headerDone = false
            var last: UInt8?
            while let data = try input.read(upToCount: Self.chunk), !data.isEmpty {
                last = data.last
                var body = data[...]
                if !headerDone {
                    if let nl = body.firstIndex(of: UInt8(ascii: "\n")) {
                        header += body[..<nl]
                        headerDone = true
                        if let first = firstHeader {
                            guard header == first.line else { throw Self.headerMismatch(dep, header, first) }
                            body = body[body.index(after: nl)...]
                        } else {
                            firstHeader = (dep, header)
                        }
                    } else {
                        header += body
                        if let first = firstHeader {
                            // Longer than the first header already: no need to read the rest of the line.
                            guard header.count <= first.line.count else { throw Self.headerMismatch(dep, header, first) }
                            continue
                        }
                    }
                }
                if !body.isEmpty { try out.write(contentsOf: body) }
            }
            guard let last else {
                throw StageFailure("'\(Diagnostics.visible(dep))' is empty; a gathered CSV needs at least its header line")
            }
            guard last == UInt8(ascii: "\n") else {
                throw StageFailure("'\(Diagnostics.visible(dep))' does not end with a newline; its last row would be joined to the next file's first")
            }
        }
    }

    static func headerMismatch(_ dep: String, _ header: [UInt8], _ first: (path: String, line: [UInt8])) -> StageFailure {
        StageFailure("the header of '\(Diagnostics.visible(dep))' differs from that of '\(Diagnostics.visible(first.path))': "
                     + "'\(shown(header))' vs '\(shown(first.line))'; every gathered CSV must have the same first line")
    }

    /// A header line as shown in a one-line message.
    static func shown(_ line: [UInt8]) -> String {
        Diagnostics.visible(String(decoding: line.prefix(400), as: UTF8.self))
    }
}

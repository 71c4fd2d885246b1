import Foundation
import Plot
import StageAPI
import StageSupport
import TableQuery

/// One figure of the paper: reads its input tables, analyses them (the
/// metrics its analysis claims read, in `Sources/FigureStages/Analyses/`), and
/// draws its panels. One file per figure in `Sources/FigureStages/Figures/`, listed
/// in `FigureDrawings.all`; the drawing computes no metric.
public protocol FigureDrawing: Sendable {
    /// The figure's `options`, read and checked: what `load` receives.
    associatedtype Options: Sendable
    /// The figure's data: its typed tables, read once, and what its analysis
    /// derives from them that the drawing shows too (a fit, an interval).
    associatedtype Data
    /// The `figure:` name used in pipeline.yaml.
    var name: String { get }
    /// Reads and checks the figure's `options` (every key it has).
    func options(_ options: Params) throws -> Options
    /// Every file the drawing reads with these options; the figure kind
    /// checks at validation that each is among the stage's deps.
    func inputs(_ options: Options) -> [String]
    /// Reads the tables.
    func load(_ options: Options, _ input: FigureInput) throws -> Data
    /// The metrics: each computed from the data or recorded as unavailable.
    func analyse(_ data: Data) -> Metrics
    /// Draws; an empty table draws no marks rather than failing.
    func draw(_ data: Data) throws -> Figure
}

extension FigureDrawing {
    /// The options as the figure kind's config carries them (type-erased, as
    /// `FigureDrawings.all` holds drawings as existentials), with the files they name.
    func checkedOptions(_ p: Params) throws -> (options: any Sendable, inputs: [String]) {
        let o = try options(p)
        return (o, inputs(o))
    }

    func render(validated options: any Sendable, _ input: FigureInput) throws -> (Figure, Metrics) {
        guard let options = options as? Options else { throw StageFailure("internal error: figure \(name) got options it did not check") }
        let data = try load(options, input)
        return (try draw(data), analyse(data))
    }
}

/// What a drawing may read: its declared inputs, and the params of the stages
/// that produced them.
public struct FigureInput: Sendable {
    public let deps: [String]
    let context: StageContext

    public func url(_ path: String) throws -> URL { try context.input(path) }

    /// The params of the stage that wrote `path` (as its key records them),
    /// so a figure reads e.g. the target's |μ| instead of restating it.
    public func producerParams(of path: String) throws -> Params {
        guard let u = context.upstream.first(where: { $0.outs.contains(path) }) else {
            throw StageFailure("no stage of the pipeline writes '\(path)', so its params are unknown: add the stage that produces it")
        }
        guard case .object(let o) = try JSONReader.parse(u.params) else { throw StageFailure("stage '\(u.name)' has no params object") }
        return Params(o, path: u.name)
    }

    /// A path template with `{d}` replaced by the dimension (e.g. artifacts/fig6/flows-d{d}-c3.0-metrics.csv).
    public static func path(_ template: String, d: Int) -> String { template.replacingOccurrences(of: "{d}", with: String(d)) }

    /// The table at `path`, checked against its schema.
    public func table(_ path: String, _ schema: [Column]) throws -> Table {
        try Table.read(try context.input(path), name: path, schema: schema)
    }

    public func progress(_ f: Double) { context.progress(f) }
}

/// `kind: figure` — draws one figure (`figure: fig2`) from its deps to an SVG
/// and writes the figure's metrics and provenance (the stages and params
/// behind its data) to a JSON file; `width: single | double | <inches>` (and
/// optionally `height:` in inches) lays it out at a paper's column width:
///
///     kind: figure
///     params: {figure: fig2, options: {...}}     # the files the options name are the stage's deps
///     outs: [figures/fig2-mean-alignment.svg, artifacts/fig2/metrics.json]
public struct FigureKind: StageKind {
    public init() {}
    public let name = "figure"
    /// One thread: charged one CPU of `-j`.
    public var defaultCPUs: Int? { 1 }
    public let summary = "draw one figure of the paper (SVG) and compute its metrics"
    public var recordsProvenance: Bool { true }

    func drawing(_ p: Params) throws -> any FigureDrawing {
        let name = try p.string("figure")
        guard let d = FigureDrawings.byName[name] else {
            throw ParamError(key: "figure", "unknown figure '\(name)' (known: \(FigureDrawings.byName.keys.sorted().joined(separator: ", ")))")
        }
        return d
    }

    public struct Config: Sendable {
        let drawing: any FigureDrawing
        /// `drawing`'s checked `Options`.
        let options: any Sendable
        /// The printed width (and height), when the stage sets `width`.
        let paperSize: (PaperWidth, Double?)?
    }

    /// The files the figure's options name are its deps, without being listed again.
    public func derivedDeps(_ params: Params, outputs: StageOutputs) throws -> [String] {
        try drawing(params).checkedOptions(try params.object("options", default: .init())).inputs
    }

    public func validate(_ params: Params, stage: StageInfo) throws -> Config {
        let d = try drawing(params)
        let (options, inputs) = try d.checkedOptions(try params.object("options", default: .init()))
        for path in inputs where !stage.deps.contains(path) {
            throw ParamError(key: "options", "figure \(d.name) reads '\(path)', which is not among the stage's deps: add it to deps")
        }
        let paperSize = try Self.paperSize(params)
        guard stage.outs.count == 2, stage.outs[0].hasSuffix(".svg"), stage.outs[1].hasSuffix(".json") else {
            throw ParamError(key: "figure", "a figure stage has two outs: the SVG, then the metrics JSON")
        }
        return Config(drawing: d, options: options, paperSize: paperSize)
    }

    public func run(_ cfg: Config, in ctx: StageContext) throws {
        let d = cfg.drawing
        let input = FigureInput(deps: ctx.info.deps, context: ctx)
        var (figure, metrics) = try d.render(validated: cfg.options, input)
        if let (w, h) = cfg.paperSize { figure = figure.resized(to: w, heightInches: h) }
        let svg: String
        do { svg = try figure.svg() } catch { throw StageFailure("figure \(d.name): \(error)") }
        try Data(svg.utf8).write(to: try ctx.output(ctx.info.outs[0]))
        var doc = Value.Object()
        doc["figure"] = .string(d.name)
        doc["metrics"] = .object(metrics.values)
        // Only when some metric could not be computed (the claims on it then fail, saying why).
        if !metrics.unavailable.isEmpty { doc["unavailable"] = .object(metrics.unavailable) }
        doc["provenance"] = .array(ctx.upstream.map { u in
            var o = Value.Object()
            o["stage"] = .string(u.name)
            o["kind"] = .string(u.kind)
            o["key"] = .string(u.key)
            o["params"] = (try? JSONReader.parse(u.params)) ?? .string(u.params)
            return .object(o)
        })
        try Data((Value.object(doc).canonicalJSON + "\n").utf8).write(to: try ctx.output(ctx.info.outs[1]))
    }
}

extension FigureKind {
    /// Optional `width: single | double | <inches>` and `height: <inches>` (default: the drawing's aspect).
    static func paperSize(_ p: Params) throws -> (PaperWidth, Double?)? {
        guard let raw = p.raw("width") else { return nil }
        let text: String
        switch raw { case .string(let s): text = s; case .int(let i): text = String(i); case .double(let x): text = x.description; default: text = "" }
        guard let w = PaperWidth(text) else { throw ParamError(key: "width", "must be single (3.4 in), double (7 in) or a width in inches, got \(raw.canonicalJSON)") }
        let h = p.has("height") ? try p.check("height", try p.double("height"), "a positive number of inches") { $0 > 0 } : nil
        return (w, h)
    }
}

/// Every figure drawing this binary knows.
public enum FigureDrawings {
    public static var all: [any FigureDrawing] {
        [Fig1CollapsePatterns(), Fig2MeanAlignment(), Fig3VanishingWeight(), Fig4CollapseVsDimension(), Fig5AlignedState(), Fig6FlowCollapse(), Fig7Annealing()]
    }
    static var byName: [String: any FigureDrawing] {
        Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }
}

/// Its bytes depend on the platform (see `SciencePlatform`).
extension FigureKind { public func platform(_ params: Params, stage: StageInfo) throws -> [PlatformFact] { SciencePlatform.facts } }

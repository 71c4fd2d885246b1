/// # Plot: deterministic SVG figures
///
/// A small plotting library in the spirit of Rust's `plotters`: a drawing backend
/// (`SVGWriter`, fixed-precision numbers by integer arithmetic) separate from coordinate
/// systems (`Scale`, `TickLocator`) and from marks (`Panel.line`, `.scatter`, `.band`, …).
/// A chart is data + scales + marks; a `Figure` is a grid of panels laid out from measured
/// text (DejaVu Sans metrics), so labels neither overlap nor clip.
///
/// ```swift
/// import Plot
///
/// var fig = Figure(width: 504, height: 200, rows: 1, cols: 2)   // points (7 in × 2.8 in)
/// fig[0, 0].line(ts, alphaPlus, label: "$\\alpha_{+}$")
/// fig[0, 0].line(ts, alphaMinus, label: "$\\alpha_{-}$", style: .dashed)
/// fig[0, 0].scatter(tSim, aSim, marker: .hollowCircle)
/// fig[0, 0].xScale = .log
/// fig[0, 0].xLabel = "time $t$"
/// fig[0, 0].yLabel = "overlap $\\alpha$"
/// fig[0, 1].heatmap(x: betas, y: taus, z: pCollapse)
/// fig[0, 1].colorbarLabel = "$P_{\\mathrm{collapse}}$"
/// let svg: String = try fig.svg()        // byte-identical for identical input
/// ```
///
/// Panels are reached by subscript (`fig[row, col]`, a mutable value) or with a closure
/// (`fig.panel(1, 0) { p in p.contour(x: xs, y: ys, z: density, levels: [0.1, 0.5]) }`);
/// `fig.shareX`/`fig.shareY` share ranges across a column/row, `fig.theme` overrides fonts,
/// sizes, palette (Okabe–Ito by default) and colormap (viridis).
///
/// Text everywhere takes a small TeX-like markup (`RichText`): `\alpha_{+}`, `|\mu|^{2}`,
/// `10^{-3}`, `$…$` for math italics. Non-finite data (and values ≤ 0 on log axes) are skipped
/// — a line breaks, a marker or cell is not drawn; malformed input makes `svg()` throw a
/// `PlotError` naming the panel and mark.
///
/// Output: SVG 1.1, UTF-8, LF, trailing newline; coordinates to 0.01 pt; elements in a fixed
/// order; no ids but sequence-derived ones (`clip0`, `panel0`), no timestamps.
public enum PlotInfo {
    /// Bumped when the output of an unchanged figure changes (part of a figure stage's key).
    public static let formatVersion = 1
}

import StageAPI

/// What a column of a table holds. Its writer checks every cell against it,
/// and a reader parses the column once into typed values by it.
public enum ColumnType: Sendable, Equatable, CustomStringConvertible {
    case double
    case int
    case text
    /// A category: one of these spellings.
    case choice([String])

    public var description: String {
        switch self {
        case .double: "number"
        case .int: "integer"
        case .text: "text"
        case .choice(let values): values.joined(separator: " | ")
        }
    }
}

/// A column of a table a kind writes: the one spelling its writer puts in the
/// header and the readers select by, with its type. `optional` columns may
/// hold empty cells (a seed where the run has none, a loss not logged at that
/// step); no other column may. Equal when the names are equal.
public struct Column: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let type: ColumnType
    public let optional: Bool
    public init(_ name: String, _ type: ColumnType = .double, optional: Bool = false) {
        self.name = name
        self.type = type
        self.optional = optional
    }
    public var description: String { name }
    /// The same column, allowed empty cells in one table.
    public var orEmpty: Column { Column(name, type, optional: true) }
    public static func == (a: Column, b: Column) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }
}

/// The two weight modes of the mixture, as the tables spell them.
public enum WeightsMode: String, Sendable, CaseIterable {
    case fixed, trainable
}

extension Column {
    package static let d = Column("d", .int)
    /// Empty in deterministic (`init: fixed`) trajectories.
    package static let seed = Column("seed", .int, optional: true)
    package static let t = Column("t")
    package static let step = Column("step", .int)
    package static let weights = Column("weights", .choice(WeightsMode.allCases.map(\.rawValue)))
    package static let mu = Column("mu")
    package static let tempering = Column("tempering", .choice(["none", "power", "variance"]))
    package static let beta0 = Column("beta0")
    package static let beta = Column("beta")
    package static let tau = Column("tau")
    package static let shape = Column("shape", .text)
    package static let tEnd = Column("t_end")
    package static let n = Column("n", .int)
    package static let covered = Column("covered", .int)
    package static let meanAlignment = Column("mean_alignment", .int)
    package static let vanishingWeight = Column("vanishing_weight", .int)
    package static let collapsed = Column("collapsed", .int)
    package static let pCollapse = Column("p_collapse")
    package static let pCollapseLo = Column("p_collapse_lo")
    package static let pCollapseHi = Column("p_collapse_hi")
    package static let pMeanAlignment = Column("p_mean_alignment")
    package static let pMeanAlignmentLo = Column("p_mean_alignment_lo")
    package static let pMeanAlignmentHi = Column("p_mean_alignment_hi")
    package static let pVanishingWeight = Column("p_vanishing_weight")
    package static let pVanishingWeightLo = Column("p_vanishing_weight_lo")
    package static let pVanishingWeightHi = Column("p_vanishing_weight_hi")
    package static let outcome = Column("outcome", .choice(["covered", "mean_alignment", "vanishing_weight"]))
    package static let alphaPlus = Column("alpha_plus")
    package static let alphaMinus = Column("alpha_minus")
    package static let w = Column("w")
    package static let kl = Column("kl")
    package static let massPlus = Column("mass_plus")
    package static let massMinus = Column("mass_minus")
    package static let aPp = Column("a_pp")
    package static let aPm = Column("a_pm")
    package static let aMp = Column("a_mp")
    package static let aMm = Column("a_mm")
    package static let qPp = Column("q_pp")
    package static let qPm = Column("q_pm")
    package static let qMm = Column("q_mm")
    package static let theta = Column("theta")
    package static let klMC = Column("kl_mc")
    package static let klMCSe = Column("kl_mc_se")
    package static let klSe = Column("kl_se")
    package static let minMass = Column("min_mass")
    /// Empty at steps where no batch was drawn (the evaluation before training).
    package static let batchLoss = Column("batch_loss", optional: true)
    package static let batchLossSe = Column("batch_loss_se", optional: true)
    package static let x1 = Column("x1")
    package static let x2 = Column("x2")
    package static let logQ = Column("log_q")
    package static let q = Column("q")
    package static let row = Column("row", .choice(["branch", "fold", "fold_extended"]))
    package static let eig1Re = Column("eig1_re", optional: true)
    package static let eig1Im = Column("eig1_im", optional: true)
    package static let eig2Re = Column("eig2_re", optional: true)
    package static let eig2Im = Column("eig2_im", optional: true)
    /// The bracket of a fold's |μ|: empty on branch rows.
    package static let muLo = Column("mu_lo", optional: true)
    package static let muHi = Column("mu_hi", optional: true)
    package static let tEscape = Column("t_escape")
    package static let bracket = Column("bracket")
}

/// The schema of every table the kinds write, in column order: the writers
/// build theirs from these and the readers check a file's header against them.
public enum Schema {
    package static let sweepKeys: [Column] = [.weights, .mu, .d, .tempering, .beta0, .tau]
    /// After the keys (and `shape`, in tempered sweeps).
    package static let sweepSummary: [Column] = [.tEnd, .n, .covered, .meanAlignment, .vanishingWeight, .collapsed,
                                         .pCollapse, .pCollapseLo, .pCollapseHi, .pMeanAlignment, .pMeanAlignmentLo, .pMeanAlignmentHi,
                                         .pVanishingWeight, .pVanishingWeightLo, .pVanishingWeightHi]
    /// A sweep's summary: one row per cell and end time.
    package static func sweep(tempered: Bool) -> [Column] { sweepKeys + (tempered ? [.shape] : []) + sweepSummary }
    /// A sweep's per-run table: one row per cell, end time and start.
    package static func sweepRuns(tempered: Bool) -> [Column] {
        sweepKeys + (tempered ? [.shape] : []) + [.tEnd, .seed, .outcome] + observables
    }
    package static let observables: [Column] = [.alphaPlus, .alphaMinus, .w, .kl, .massPlus, .massMinus]
    /// An overlap-ODE trajectory (`ode` kind): one row per (d, seed, t).
    package static let trajectory: [Column] = [.d, .seed, .t] + observables + [.aPp, .aPm, .aMp, .aMm, .qPp, .qPm, .qMm]
    /// A particle simulation: the trajectory's columns and the KL's Monte-Carlo estimate.
    package static let particles: [Column] = trajectory + [.klMC, .klMCSe]
    /// The particles' starting overlaps.
    package static let particleInits: [Column] = [.d, .seed, .aPp, .aPm, .aMp, .aMm, .qPp, .qPm, .qMm, .theta]
    package static let flowMetrics: [Column] = [.seed, .step, .beta, .kl, .klSe, .massPlus, .minMass, .alphaPlus, .alphaMinus, .batchLoss, .batchLossSe]
    package static let flowSamples: [Column] = [.seed, .step, .x1, .x2]
    package static let flowDensity: [Column] = [.seed, .step, .x1, .x2, .logQ, .q]
    package static let branch: [Column] = [.row, .mu, .alphaPlus, .alphaMinus, .eig1Re, .eig1Im, .eig2Re, .eig2Im, .muLo, .muHi]
    /// Empty cells after |μ| where no escape happened before the limit.
    package static let escape: [Column] = [.mu] + [Column.tEscape, .bracket, .alphaPlus, .alphaMinus, .w].map(\.orEmpty)
}

extension CSVTable {
    package init(columns: [Column]) { self.init(schema: columns) }
}

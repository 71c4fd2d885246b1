import Engine

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
    static let d = Column("d", .int)
    /// Empty in deterministic (`init: fixed`) trajectories.
    static let seed = Column("seed", .int, optional: true)
    static let t = Column("t")
    static let step = Column("step", .int)
    static let weights = Column("weights", .choice(WeightsMode.allCases.map(\.rawValue)))
    static let mu = Column("mu")
    static let tempering = Column("tempering", .choice(["none", "power", "variance"]))
    static let beta0 = Column("beta0")
    static let beta = Column("beta")
    static let tau = Column("tau")
    static let shape = Column("shape", .text)
    static let tEnd = Column("t_end")
    static let n = Column("n", .int)
    static let covered = Column("covered", .int)
    static let meanAlignment = Column("mean_alignment", .int)
    static let vanishingWeight = Column("vanishing_weight", .int)
    static let collapsed = Column("collapsed", .int)
    static let pCollapse = Column("p_collapse")
    static let pCollapseLo = Column("p_collapse_lo")
    static let pCollapseHi = Column("p_collapse_hi")
    static let pMeanAlignment = Column("p_mean_alignment")
    static let pMeanAlignmentLo = Column("p_mean_alignment_lo")
    static let pMeanAlignmentHi = Column("p_mean_alignment_hi")
    static let pVanishingWeight = Column("p_vanishing_weight")
    static let pVanishingWeightLo = Column("p_vanishing_weight_lo")
    static let pVanishingWeightHi = Column("p_vanishing_weight_hi")
    static let outcome = Column("outcome", .choice(["covered", "mean_alignment", "vanishing_weight"]))
    static let alphaPlus = Column("alpha_plus")
    static let alphaMinus = Column("alpha_minus")
    static let w = Column("w")
    static let kl = Column("kl")
    static let massPlus = Column("mass_plus")
    static let massMinus = Column("mass_minus")
    static let aPp = Column("a_pp")
    static let aPm = Column("a_pm")
    static let aMp = Column("a_mp")
    static let aMm = Column("a_mm")
    static let qPp = Column("q_pp")
    static let qPm = Column("q_pm")
    static let qMm = Column("q_mm")
    static let theta = Column("theta")
    static let klMC = Column("kl_mc")
    static let klMCSe = Column("kl_mc_se")
    static let klSe = Column("kl_se")
    static let minMass = Column("min_mass")
    /// Empty at steps where no batch was drawn (the evaluation before training).
    static let batchLoss = Column("batch_loss", optional: true)
    static let batchLossSe = Column("batch_loss_se", optional: true)
    static let x1 = Column("x1")
    static let x2 = Column("x2")
    static let logQ = Column("log_q")
    static let q = Column("q")
    static let row = Column("row", .choice(["branch", "fold", "fold_extended"]))
    static let eig1Re = Column("eig1_re", optional: true)
    static let eig1Im = Column("eig1_im", optional: true)
    static let eig2Re = Column("eig2_re", optional: true)
    static let eig2Im = Column("eig2_im", optional: true)
    /// The bracket of a fold's |μ|: empty on branch rows.
    static let muLo = Column("mu_lo", optional: true)
    static let muHi = Column("mu_hi", optional: true)
    static let tEscape = Column("t_escape")
    static let bracket = Column("bracket")
}

/// The schema of every table the kinds write, in column order: the writers
/// build theirs from these and the readers check a file's header against them.
public enum Schema {
    static let sweepKeys: [Column] = [.weights, .mu, .d, .tempering, .beta0, .tau]
    /// After the keys (and `shape`, in tempered sweeps).
    static let sweepSummary: [Column] = [.tEnd, .n, .covered, .meanAlignment, .vanishingWeight, .collapsed,
                                         .pCollapse, .pCollapseLo, .pCollapseHi, .pMeanAlignment, .pMeanAlignmentLo, .pMeanAlignmentHi,
                                         .pVanishingWeight, .pVanishingWeightLo, .pVanishingWeightHi]
    /// A sweep's summary: one row per cell and end time.
    static func sweep(tempered: Bool) -> [Column] { sweepKeys + (tempered ? [.shape] : []) + sweepSummary }
    /// A sweep's per-run table: one row per cell, end time and start.
    static func sweepRuns(tempered: Bool) -> [Column] {
        sweepKeys + (tempered ? [.shape] : []) + [.tEnd, .seed, .outcome] + observables
    }
    static let observables: [Column] = [.alphaPlus, .alphaMinus, .w, .kl, .massPlus, .massMinus]
    /// An overlap-ODE trajectory (`ode` kind): one row per (d, seed, t).
    static let trajectory: [Column] = [.d, .seed, .t] + observables + [.aPp, .aPm, .aMp, .aMm, .qPp, .qPm, .qMm]
    /// A particle simulation: the trajectory's columns and the KL's Monte-Carlo estimate.
    static let particles: [Column] = trajectory + [.klMC, .klMCSe]
    /// The particles' starting overlaps.
    static let particleInits: [Column] = [.d, .seed, .aPp, .aPm, .aMp, .aMm, .qPp, .qPm, .qMm, .theta]
    static let flowMetrics: [Column] = [.seed, .step, .beta, .kl, .klSe, .massPlus, .minMass, .alphaPlus, .alphaMinus, .batchLoss, .batchLossSe]
    static let flowSamples: [Column] = [.seed, .step, .x1, .x2]
    static let flowDensity: [Column] = [.seed, .step, .x1, .x2, .logQ, .q]
    static let branch: [Column] = [.row, .mu, .alphaPlus, .alphaMinus, .eig1Re, .eig1Im, .eig2Re, .eig2Im, .muLo, .muHi]
    /// Empty cells after |μ| where no escape happened before the limit.
    static let escape: [Column] = [.mu] + [Column.tEscape, .bracket, .alphaPlus, .alphaMinus, .w].map(\.orEmpty)
}

extension CSVTable {
    init(columns: [Column]) { self.init(schema: columns) }
}

import Engine

/// A column of a table a kind writes: the one spelling its writer puts in the
/// header and the figures read it by, so a renamed column is a compile error
/// in every reader instead of a "no column" at run time.
public struct Column: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }
}

extension Column {
    static let d = Column("d")
    static let seed = Column("seed")
    static let t = Column("t")
    static let step = Column("step")
    static let weights = Column("weights")
    static let mu = Column("mu")
    static let tempering = Column("tempering")
    static let beta0 = Column("beta0")
    static let beta = Column("beta")
    static let tau = Column("tau")
    static let shape = Column("shape")
    static let tEnd = Column("t_end")
    static let n = Column("n")
    static let covered = Column("covered")
    static let meanAlignment = Column("mean_alignment")
    static let vanishingWeight = Column("vanishing_weight")
    static let collapsed = Column("collapsed")
    static let pCollapse = Column("p_collapse")
    static let pCollapseLo = Column("p_collapse_lo")
    static let pCollapseHi = Column("p_collapse_hi")
    static let pMeanAlignment = Column("p_mean_alignment")
    static let pMeanAlignmentLo = Column("p_mean_alignment_lo")
    static let pMeanAlignmentHi = Column("p_mean_alignment_hi")
    static let pVanishingWeight = Column("p_vanishing_weight")
    static let pVanishingWeightLo = Column("p_vanishing_weight_lo")
    static let pVanishingWeightHi = Column("p_vanishing_weight_hi")
    static let outcome = Column("outcome")
    static let alphaPlus = Column("alpha_plus")
    static let alphaMinus = Column("alpha_minus")
    static let w = Column("w")
    static let kl = Column("kl")
    static let massPlus = Column("mass_plus")
    static let massMinus = Column("mass_minus")
    static let aPp = Column("a_pp")
    static let aMp = Column("a_mp")
    static let qPp = Column("q_pp")
    static let qPm = Column("q_pm")
    static let qMm = Column("q_mm")
    static let klSe = Column("kl_se")
    static let minMass = Column("min_mass")
    static let batchLoss = Column("batch_loss")
    static let batchLossSe = Column("batch_loss_se")
    static let x1 = Column("x1")
    static let x2 = Column("x2")
    static let logQ = Column("log_q")
    static let q = Column("q")
    static let row = Column("row")
    static let eig1Re = Column("eig1_re")
    static let eig1Im = Column("eig1_im")
    static let eig2Re = Column("eig2_re")
    static let eig2Im = Column("eig2_im")
    static let muLo = Column("mu_lo")
    static let muHi = Column("mu_hi")
    static let tEscape = Column("t_escape")
    static let bracket = Column("bracket")
}

/// The headers of the tables the kinds write, in order (writers build theirs
/// from these; figures read by the same constants).
enum Schema {
    static let sweepKeys: [Column] = [.weights, .mu, .d, .tempering, .beta0, .tau]
    /// After the keys (and `shape`, in tempered sweeps).
    static let sweepSummary: [Column] = [.tEnd, .n, .covered, .meanAlignment, .vanishingWeight, .collapsed,
                                         .pCollapse, .pCollapseLo, .pCollapseHi, .pMeanAlignment, .pMeanAlignmentLo, .pMeanAlignmentHi,
                                         .pVanishingWeight, .pVanishingWeightLo, .pVanishingWeightHi]
    static let flowMetrics: [Column] = [.seed, .step, .beta, .kl, .klSe, .massPlus, .minMass, .alphaPlus, .alphaMinus, .batchLoss, .batchLossSe]
    static let flowSamples: [Column] = [.seed, .step, .x1, .x2]
    static let flowDensity: [Column] = [.seed, .step, .x1, .x2, .logQ, .q]
    static let branch: [Column] = [.row, .mu, .alphaPlus, .alphaMinus, .eig1Re, .eig1Im, .eig2Re, .eig2Im, .muLo, .muHi]
    static let escape: [Column] = [.mu, .tEscape, .bracket, .alphaPlus, .alphaMinus, .w]
}

extension CSVTable {
    init(columns: [Column]) { self.init(columns: columns.map(\.name)) }
}

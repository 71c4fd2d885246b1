import CGSL

extension GSLLibrary {
    /// The version of the GSL library this process runs with ("2.7.1"), as
    /// GSL itself reports it: a stage's bytes depend on it, so it is part of
    /// the science kinds' platform fingerprint.
    public static var version: String { String(cString: repro_gsl_version()) }
}

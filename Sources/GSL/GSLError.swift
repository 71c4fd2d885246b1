import CGSL

/// A GSL routine returned an error code. GSL's default handler aborts the
/// process; `GSLLibrary.prepare()` switches it off so every error surfaces
/// here instead, as a value the caller can report.
public struct GSLError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let routine: String
    public let detail: String

    public init(code: Int32, routine: String, detail: String = "") {
        self.code = code
        self.routine = routine
        self.detail = detail
    }

    /// GSL's own text for the code (`gsl_strerror`).
    public var reason: String { String(cString: gsl_strerror(code)) }

    public var description: String {
        "\(routine) failed: \(reason) (GSL code \(code))" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

public enum GSLLibrary {
    /// Runs once per process: turn off GSL's abort-on-error handler.
    private static let handlerOff: Bool = {
        _ = gsl_set_error_handler_off()
        return true
    }()

    /// Call before any GSL routine (every wrapper in this module does).
    @inline(__always)
    public static func prepare() { _ = handlerOff }

    /// Throws a `GSLError` unless `code` is GSL_SUCCESS.
    @inline(__always)
    static func check(_ code: Int32, _ routine: String, _ detail: @autoclosure () -> String = "") throws {
        if code != gslSuccess { throw GSLError(code: code, routine: routine, detail: detail()) }
    }
}

// GSL's error codes come into Swift as Int (an anonymous C enum); routines return Int32.
let gslSuccess = Int32(GSL_SUCCESS)
let gslBadFunction = Int32(GSL_EBADFUNC)
let gslMaxIterations = Int32(GSL_EMAXITER)
let gslNoProgress = Int32(GSL_ENOPROG)
let gslInvalid = Int32(GSL_EINVAL)
let gslNoMemory = Int32(GSL_ENOMEM)

import Foundation
import GSL
import StageAPI

/// The platform the science kinds' bytes depend on: the CPU architecture and
/// the instruction-set level the binary is built for, the Swift compiler, the
/// GSL library and the C library (whose math functions Swift's `exp`, `log`,
/// `sin` call). These are key fields of every stage of these kinds, so results
/// made on one platform are never restored on another as if they were the same.
public enum SciencePlatform {
    public static let facts: [PlatformFact] = [
        PlatformFact(name: "CPU", value: cpu),
        PlatformFact(name: "Swift", value: swiftCompiler),
        PlatformFact(name: "GSL", value: GSLLibrary.version),
        PlatformFact(name: "libc", value: libc),
    ]

    /// Architecture and the level the science modules are compiled for
    /// (Package.swift builds them with -march=x86-64-v3 on x86-64).
    package static var cpu: String {
        #if arch(x86_64)
        "x86_64 (x86-64-v3)"
        #elseif arch(arm64)
        "arm64"
        #else
        "other"
        #endif
    }

    /// The compiler version this binary was built with, to the patch level.
    package static var swiftCompiler: String {
        #if compiler(>=6.5)
        ">= 6.5"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3.3)
        "6.3.3"
        #elseif compiler(>=6.3.2)
        "6.3.2"
        #elseif compiler(>=6.3.1)
        "6.3.1"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "< 6.2"
        #endif
    }

    /// The C library's name and version, as it reports itself at run time.
    package static var libc: String {
        #if canImport(Glibc)
        "glibc " + String(cString: gnu_get_libc_version())
        #elseif canImport(Darwin)
        "Darwin libSystem"
        #else
        "unknown"
        #endif
    }
}

#if canImport(Glibc)
/// glibc's run-time version (gnu/libc-version.h, not imported by Swift's Glibc module).
@_silgen_name("gnu_get_libc_version")
private func gnu_get_libc_version() -> UnsafePointer<CChar>
#endif

// The kinds whose outputs depend on the platform's numerics (GSL, libm):
// each declares the science platform as part of its key. The gallery only
// copies and links files, so its bytes are the same everywhere.

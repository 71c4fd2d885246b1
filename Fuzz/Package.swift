// swift-tools-version:6.1
// libFuzzer targets over the pipeline parser and the lock reader. Not part of
// the main build: scripts/fuzz.sh builds this package with --sanitize=fuzzer
// into .build-fuzz and runs each target from the seeds in Fuzz/seeds. With
// --sanitize=fuzzer SwiftPM compiles executables as libraries (libFuzzer
// provides `main`; each target defines LLVMFuzzerTestOneInput), which is also
// why building the root package's plugin tool here prints errors: nothing
// here needs that tool, and the build completes.
import PackageDescription

let package = Package(
    name: "repro-fuzz",
    dependencies: [.package(name: "repro", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "EngineCore", package: "repro")]),
        .executableTarget(name: "fuzz-pipeline", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-lock", dependencies: ["FuzzSupport"]),
    ]
)

// swift-tools-version:6.1
// repro: regenerate a paper's figures, deterministically, from pipeline.yaml.
import PackageDescription

// Particles: its inner loops (normal variates, d-dimensional dot products)
// are the whole cost of a simulation. Built optimised in every configuration
// (unoptimised, a debug test of the simulation runs ~100x slower), and on
// x86-64 for AVX2 (x86-64-v3, 2013+ CPUs), which its 4-lane generator needs
// for vector shifts. Bits do not depend on these flags (no FMA contraction).
#if arch(x86_64)
let particlesSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"]),
                                         .unsafeFlags(["-O"], .when(configuration: .debug))]
#else
let particlesSettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

// Flows' matrix products are fused multiply-adds: on x86-64 they need AVX2+FMA
// (x86-64-v3) to be fast, else each is a libm call (~40x slower). The bits are
// the same either way (FMA is exactly rounded), so this flag changes speed only;
// the binary then needs an AVX2 CPU (2013+). Other architectures have FMA.
// Optimised in debug too: the tests that pin training's bits run full-size
// steps (unoptimised, ~30 s).
#if arch(x86_64)
let flowsSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"]),
                                     .unsafeFlags(["-O"], .when(configuration: .debug))]
#else
let flowsSettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

// Theory's integrals are SIMD loops; optimise them in debug too, so the test
// suite (which runs them millions of times) stays fast. On x86-64 they are
// built for AVX2 like Particles and Flows (one ODE trajectory ~1.5× faster);
// the bits are the same with or without (checked on 80 trajectories).
#if arch(x86_64)
let theorySettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"]),
                                      .unsafeFlags(["-O"], .when(configuration: .debug))]
#else
let theorySettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

let package = Package(
    name: "repro",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "repro", targets: ["repro"]),
        // For the fuzz targets in Fuzz/ (a separate package built by scripts/fuzz.sh).
        .library(name: "EngineCore", targets: ["EngineCore", "StageAPI", "ShellStages", "RemoteCache", "SlurmExecutor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // GSL, through a system-library target (pkg-config `gsl`, Debian libgsl-dev).
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .target(name: "GSL", dependencies: ["CGSL"]),

        // The DAG runner, in parts that depend on its core only; it knows nothing of the science.
        // One way to start a child process (posix_spawn, its own group, inherited fds closed).
        .target(name: "ProcessSpawn", dependencies: ["StageAPI", "Parallel"]),
        // What a stage kind sees: the StageKind protocol, params, values, its context.
        // Every kind's code scope includes it, so it holds nothing else.
        .target(name: "StageAPI", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Spec, graph, keys, store, lock, planner, runner, run log, the local executor.
        .target(name: "EngineCore", dependencies: [
            "StageAPI", "ProcessSpawn", "Parallel",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // bubblewrap: running a command with only its declared files, and its bounds.
        .target(name: "StageSandbox", dependencies: ["StageAPI", "ProcessSpawn"]),
        // libcurl (Debian libcurl4-openssl-dev, and libssl-dev for its trust store), the http(s) client of the remote cache, through typed C
        // wrappers (curl_easy_setopt is variadic, so Swift cannot call it). Chosen over AsyncHTTPClient for
        // build time: libcurl adds seconds to a first release build, AsyncHTTPClient about 3 minutes.
        .target(name: "CCurlShim", linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // The shared cache (file://, http:// and https:// remotes), plugged into a run by the CLI.
        .target(name: "RemoteCache", dependencies: ["EngineCore", "StageAPI", "CCurlShim"]),
        // Stages as Slurm jobs and arrays, registered by the CLI like a kind.
        .target(name: "SlurmExecutor", dependencies: ["EngineCore", "StageAPI", "ProcessSpawn"]),
        // The generic kinds: `shell` (a sandboxed command) and `concat` (CSV tables).
        .target(name: "ShellStages", dependencies: ["StageAPI", "StageSandbox", "ProcessSpawn"]),
        .target(name: "ConcatStages", dependencies: ["StageAPI"]),

        // The science. `Random` is the project's own seeded RNG, shared by all of it.
        .target(name: "Random"),
        // Annealing schedules β(t), shared by Theory (and so Particles) and Flows.
        .target(name: "Annealing"),
        // Deterministic parallel map (results in index order), shared by Flows and the stage kinds.
        .target(name: "Parallel"),
        .target(name: "Theory", dependencies: ["GSL", "Random", "Annealing"], swiftSettings: theorySettings),
        .target(name: "Particles", dependencies: ["Theory", "Random", "Parallel"], swiftSettings: particlesSettings),
        // Flows' AVX-512 kernels, chosen at run time (the rest of the binary stays
        // x86-64-v3). No contraction: every fused multiply-add is written out.
        .target(name: "CFlowKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "Flows", dependencies: ["Random", "Annealing", "Parallel", "CFlowKernels"],
                swiftSettings: flowsSettings),
        .target(name: "Plot"),

        // Digests of the sources this binary was built from (code part of stage keys).
        .executableTarget(name: "source-digest", path: "Sources/source-digest"),
        .plugin(name: "SourceDigestPlugin", capability: .buildTool(), dependencies: ["source-digest"]),
        .target(name: "BuildInfo", plugins: ["SourceDigestPlugin"]),

        // Stage kinds: the only modules that know both the engine's StageAPI and the science.
        // A kind's code scope (part of its keys) is its own target and all it depends on,
        // read off the package graph; so the kinds are grouped into targets by what they use.
        .target(name: "StageSupport", dependencies: ["StageAPI", "GSL", "Annealing"]),
        .target(name: "ModelInputs", dependencies: ["StageSupport", "StageAPI", "GSL", "Theory", "Annealing"]),
        .target(name: "TheoryStages", dependencies: ["ModelInputs", "StageSupport", "StageAPI", "GSL", "Theory", "Annealing", "Parallel"]),
        .target(name: "ParticleStages", dependencies: ["ModelInputs", "StageSupport", "StageAPI", "Theory", "Particles", "Parallel"]),
        .target(name: "FlowStages", dependencies: ["StageSupport", "StageAPI", "Flows", "Annealing"]),
        .target(name: "TableQuery", dependencies: ["StageSupport", "StageAPI"]),
        .target(name: "FigureStages", dependencies: ["TableQuery", "StageSupport", "StageAPI", "Plot", "Theory"]),
        .target(name: "ClaimStages", dependencies: ["TableQuery", "StageSupport", "StageAPI", "GSL"]),
        .target(name: "GalleryStages", dependencies: ["StageAPI"]),
        // Every kind this binary knows, for the CLI to register.
        .target(name: "Stages", dependencies: ["StageAPI", "TheoryStages", "ParticleStages", "FlowStages", "FigureStages",
                                               "ClaimStages", "GalleryStages"]),
        // Changing the paper: `repro diff` and experiments. Generic (claims.json,
        // metrics.json, CSV and SVG outputs); knows nothing of the science.
        // zlib (Debian zlib1g-dev): the diff page's PNGs (decode rsvg-convert's, encode the difference).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Changes", dependencies: ["EngineCore", "StageAPI", "CZlib", "Parallel", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "repro", dependencies: [
            "Stages", "ShellStages", "ConcatStages", "EngineCore", "StageAPI", "RemoteCache", "SlurmExecutor", "Changes", "BuildInfo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks and examples: executables that print measured numbers.
        .executableTarget(name: "engine-bench", path: "Benchmarks/engine-bench"),  // drives the release repro binary
        .executableTarget(name: "theory-bench", dependencies: ["Theory", "GSL", "Parallel"], path: "Benchmarks/theory-bench"),
        .executableTarget(name: "particles-bench", dependencies: ["Particles", "Theory", "Parallel"], path: "Benchmarks/particles-bench"),
        .executableTarget(name: "flow-bench", dependencies: ["Flows", "CFlowKernels"], path: "Benchmarks/flow-bench",
                         swiftSettings: flowsSettings),  // its peak-FMA loop must be hardware FMA
        .executableTarget(name: "plot-examples", dependencies: ["Plot"], path: "Benchmarks/plot-examples"),

        .testTarget(name: "EngineTests", dependencies: ["EngineCore", "StageAPI", "ProcessSpawn", "StageSandbox", "ShellStages", "ConcatStages", "RemoteCache", "SlurmExecutor", "Parallel"]),
        .testTarget(name: "RandomTests", dependencies: ["Random"]),
        .testTarget(name: "GSLTests", dependencies: ["GSL", "CGSL"]),
        .testTarget(name: "AnnealingTests", dependencies: ["Annealing"]),
        .testTarget(name: "TheoryTests", dependencies: ["Theory", "GSL", "Random"]),
        .testTarget(name: "ParticlesTests", dependencies: ["Particles", "Theory", "Parallel", "Random"]),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Random"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], exclude: ["Golden"]),
        .testTarget(name: "StagesTests", dependencies: [
            "Stages", "EngineCore", "StageAPI", "StageSupport", "ModelInputs", "TheoryStages", "ParticleStages", "FlowStages", "TableQuery",
            "FigureStages", "ClaimStages", "GalleryStages", "ShellStages", "ConcatStages", "Plot", "BuildInfo", "Random", "Theory", "Annealing", "GSL", "Parallel"]),
        .testTarget(name: "CLITests", dependencies: ["repro", "Stages", "EngineCore", "StageAPI", "RemoteCache", "SlurmExecutor", "StageSandbox", "ShellStages", "ConcatStages", "StageSupport", "TableQuery", "ClaimStages", "FigureStages", "BuildInfo"]),
        .testTarget(name: "ChangesTests", dependencies: ["Changes", "EngineCore", "StageAPI"]),
    ]
)

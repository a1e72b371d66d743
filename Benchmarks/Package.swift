// swift-tools-version: 6.1
import PackageDescription

// A separate package so that CI's `swift test` never builds the benchmark harness.
// Run from this folder: `swift package benchmark` (see docs/performance.md).
let package = Package(
    name: "LetheBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Lethe", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "CryptoBenchmarks",
            dependencies: [
                .product(name: "LetheCrypto", package: "Lethe"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CryptoBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                .product(name: "LetheStore", package: "Lethe"),
                .product(name: "LetheEngine", package: "Lethe"),
                .product(name: "LetheCrypto", package: "Lethe"),
                .product(name: "LetheCore", package: "Lethe"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Not a package-benchmark suite: seeds the one-shot 1,000,000-record purge load run (purge-load.sh).
        .executableTarget(
            name: "PurgeBacklog",
            dependencies: [
                .product(name: "LetheStore", package: "Lethe"),
                .product(name: "LetheCrypto", package: "Lethe"),
                .product(name: "LetheCore", package: "Lethe"),
            ],
            path: "Benchmarks/PurgeBacklog"
        ),
    ],
    swiftLanguageModes: [.v6]
)

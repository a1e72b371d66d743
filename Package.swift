// swift-tools-version: 6.1
import PackageDescription

// Layers, lowest first; each imports only those below it (docs/architecture.md).

// The front ends (server and CLI) reach data only through the engine. They do not depend on LetheStore,
// and with member import visibility a member declared there (say, a store method on the runtime's
// store) is invisible unless its module is imported, so the compiler keeps the rule.
let frontEnd: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "Lethe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lethe", targets: ["lethe"]),
        .library(name: "LetheCore", targets: ["LetheCore"]),
        .library(name: "LetheCrypto", targets: ["LetheCrypto"]),
        .library(name: "LetheStore", targets: ["LetheStore"]),
        .library(name: "LetheEngine", targets: ["LetheEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        // Already built for PostgresNIO and Hummingbird; the SMTP transport speaks through them directly.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "LetheCrypto", dependencies: ["COpenSSL"]),
        .target(
            name: "LetheCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "LetheStore",
            dependencies: [
                "LetheCore", "LetheCrypto", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LetheEngine",
            dependencies: [
                "LetheCore", "LetheCrypto", "LetheStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // The shipped policies (a link to Policies/ at the root) travel with the binary, so the
            // service starts from any folder; --policies or LETHE_POLICIES point elsewhere.
            resources: [.copy("Policies")]
        ),
        .target(
            name: "LetheServer",
            dependencies: [
                "LetheCore", "LetheCrypto", "LetheEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The OpenAPI document is both the generator's input and a resource: the server enforces the
            // constraints it states (lengths, patterns, ranges) from the same file, so they cannot drift.
            resources: [.copy("Templates"), .copy("openapi.yaml")],
            swiftSettings: frontEnd,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "LetheCLI",
            dependencies: [
                "LetheCore",
                "LetheCrypto",
                "LetheEngine",
                "LetheServer",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: frontEnd
        ),
        .executableTarget(name: "lethe", dependencies: ["LetheCLI"]),
        .target(
            name: "LetheTestSupport",
            dependencies: [
                "LetheCore", "LetheStore", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/LetheTestSupport"
        ),
        .testTarget(name: "LetheCoreTests", dependencies: ["LetheCore", "LetheTestSupport"]),
        .testTarget(name: "LetheCryptoTests", dependencies: ["LetheCrypto", "COpenSSL"]),
        .testTarget(
            name: "LetheStoreTests",
            dependencies: [
                "LetheStore", "LetheCore", "LetheCrypto", "LetheTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "LetheEngineTests",
            dependencies: [
                "LetheEngine", "LetheStore", "LetheCore", "LetheCrypto", "LetheTestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "LetheServerTests",
            dependencies: [
                "LetheServer", "LetheEngine", "LetheStore", "LetheCore", "LetheCrypto", "LetheTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LetheCLITests",
            dependencies: [
                "LetheCLI", "LetheCore", "LetheCrypto", "LetheStore", "LetheEngine", "LetheTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.1
import PackageDescription

// Layers, lowest first; each imports only those below it (docs/architecture.md).
let package = Package(
    name: "Lethe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lethe", targets: ["lethe"]),
        .library(name: "LetheCore", targets: ["LetheCore"]),
        .library(name: "LetheCrypto", targets: ["LetheCrypto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
            name: "LetheCLI",
            dependencies: [
                "LetheCore",
                "LetheCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "lethe", dependencies: ["LetheCLI"]),
        .testTarget(name: "LetheCoreTests", dependencies: ["LetheCore"]),
        .testTarget(name: "LetheCryptoTests", dependencies: ["LetheCrypto", "COpenSSL"]),
        .testTarget(name: "LetheCLITests", dependencies: ["LetheCLI", "LetheCore"]),
    ],
    swiftLanguageModes: [.v6]
)

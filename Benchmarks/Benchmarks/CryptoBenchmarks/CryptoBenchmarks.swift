import Benchmark
import LetheCrypto

// Field sizes from the issue: a 64-byte field (an email), 1 KiB (an address block), 1 MiB (a bulk buffer).
// Each benchmark reuses one cipher, as the store will per customer; throughput is reported per second.
nonisolated(unsafe) let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let location = FieldLocation(record: "contact", field: "email")
    func fieldCipher() throws -> FieldCipher {
        let keyring = try MasterKeyring.generate()
        let (key, wrapped) = try keyring.newDataKey(customerID: "TR-04217")
        return try FieldCipher(dataKey: key, keyID: wrapped.id, customerID: "TR-04217")
    }

    for size in [64, 1024] {
        Benchmark("AES-256-GCM field seal \(size) B") { benchmark in
            let cipher = try fieldCipher()
            let plaintext = [UInt8](repeating: 0x61, count: size)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try cipher.seal(plaintext, at: location)) }
        }
        Benchmark("AES-256-GCM field open \(size) B") { benchmark in
            let cipher = try fieldCipher()
            let sealed = try cipher.seal([UInt8](repeating: 0x61, count: size), at: location)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try cipher.open(sealed, at: location)) }
        }
        Benchmark("AES-256-GCM field seal+open \(size) B") { benchmark in
            let cipher = try fieldCipher()
            let plaintext = [UInt8](repeating: 0x61, count: size)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try cipher.open(try cipher.seal(plaintext, at: location), at: location))
            }
        }
    }

    Benchmark(
        "AES-256-GCM seal 1 MiB",
        configuration: .init(metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .one)
    ) { benchmark in
        let cipher = try AES256GCM(key: SecretBytes(randomCount: 32))
        let buffer = [UInt8](repeating: 0x61, count: 1 << 20)
        let aad: [UInt8] = []
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try buffer.withUnsafeBytes { p in try aad.withUnsafeBytes { try cipher.seal(p, aad: $0) } })
        }
    }

    Benchmark(
        "AES-256-GCM open 1 MiB",
        configuration: .init(metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .one)
    ) { benchmark in
        let cipher = try AES256GCM(key: SecretBytes(randomCount: 32))
        let aad: [UInt8] = []
        let sealed = try [UInt8](repeating: 0x61, count: 1 << 20).withUnsafeBytes { p in
            try aad.withUnsafeBytes { try cipher.seal(p, aad: $0) }
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sealed.withUnsafeBytes { p in try aad.withUnsafeBytes { try cipher.open(p, aad: $0) } })
        }
    }

    Benchmark("Blind index token (email)") { benchmark in
        let keyring = try MasterKeyring.generate()
        let index = try BlindIndex(
            key: keyring.purposeKey(.blindIndex(record: "contact", field: "email")),
            location: location
        )
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try index.token(normalised: "jane.doe@example.com")) }
    }

    Benchmark("Data key wrap") { benchmark in
        let keyring = try MasterKeyring.generate()
        let key = try SecretBytes(randomCount: 32)
        let id = DataKeyID(keyID: 7, version: 1)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try keyring.wrap(key, customerID: "TR-04217", id: id)) }
    }

    Benchmark("Data key unwrap") { benchmark in
        let keyring = try MasterKeyring.generate()
        let (_, wrapped) = try keyring.newDataKey(customerID: "TR-04217")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try keyring.unwrap(wrapped)) }
    }
}

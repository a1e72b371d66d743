import Benchmark
import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// The embedded store at the sizes the storage issue names. Every account creation is its own
// durable transaction (SQLite WAL, synchronous=FULL), with a fresh data key and sealed fields.

func freshStore() throws -> (SQLStore, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-bench-\(UUID().uuidString)").path
    return (try SQLStore(folder: folder, vault: KeyVault(keyring: try MasterKeyring.generate())), folder)
}

func newAccount(_ n: Int) -> NewAccount {
    NewAccount(
        fullName: "Benchmark Person \(n)",
        email: "person\(n)@example.com",
        phone: "+4420794\(String(format: "%05d", n))",
        dateOfBirth: LocalDate(year: 1980, month: 1 + n % 12, day: 1 + n % 28),
        residence: "uk-gdpr",
        addresses: [
            PostalAddress(
                label: "home",
                line1: "\(n) Bench Lane",
                city: "Exampleton",
                postalCode: "EX1 2QZ",
                country: "GB"
            )
        ],
        securityAnswer: "answer \(n)",
        createdAt: Date()
    )
}

func create(_ store: SQLStore, _ n: Int) async throws {
    guard let id = AccountID(number: n) else { return }
    try await store.createAccount(
        id,
        newAccount(n),
        note: RecordNote(
            accountID: id,
            at: Date(),
            author: "bench",
            changedFields: ["account"],
            reason: "opened",
            reference: nil,
            verification: nil
        ),
        welcome: OutboxMessage(.welcome(account: id), accountID: id, recipient: "person\(n)@example.com")
    )
}

/// A store that lives for one benchmark's iterations and removes its folder afterwards.
final class StoreFixture: @unchecked Sendable {
    let store: SQLStore
    let folder: String
    // Only touched by the benchmark's own iterations, which run one at a time.
    var next = 0

    init(accounts: Int) async throws {
        (store, folder) = try freshStore()
        for n in 0..<accounts { try await create(store, n) }
        next = accounts
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

nonisolated(unsafe) let benchmarks: @Sendable () -> Void = {
    requestBenchmarks()
    processingBenchmarks()

    Benchmark(
        "Store: create 100,000 accounts (1,000 per iteration)",
        configuration: .init(
            metrics: [.throughput, .wallClock, .peakMemoryResident],
            scalingFactor: .kilo,
            maxDuration: .seconds(600),
            maxIterations: 100
        )
    ) { (benchmark: Benchmark, fixture: StoreFixture) in
        for _ in benchmark.scaledIterations {
            try await create(fixture.store, fixture.next)
            fixture.next += 1
        }
    } setup: {
        try await StoreFixture(accounts: 0)
    }

    Benchmark(
        "Store: find by email via blind index (100,000 accounts)",
        configuration: .init(
            metrics: [.throughput, .wallClock, .mallocCountTotal],
            scalingFactor: .kilo,
            maxDuration: .seconds(10),
            maxIterations: 50
        )
    ) { (benchmark: Benchmark, fixture: StoreFixture) in
        for i in benchmark.scaledIterations {
            blackHole(try await fixture.store.accountID(forEmail: "PERSON\((i * 7919) % 100_000)@example.com"))
        }
    } setup: {
        try await StoreFixture(accounts: 100_000)
    }

    Benchmark(
        "Store: load one account and its 1,000 orders",
        configuration: .init(
            metrics: [.throughput, .wallClock, .peakMemoryResident],
            scalingFactor: .one,
            maxDuration: .seconds(10)
        )
    ) { (benchmark: Benchmark, fixture: StoreFixture) in
        guard let id = AccountID(number: 0) else { return }
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.store.account(id))
            blackHole(try await fixture.store.ordersPage(id, after: nil, limit: 10_000))
        }
    } setup: {
        let fixture = try await StoreFixture(accounts: 1)
        guard let id = AccountID(number: 0) else { return fixture }
        let orders = (0..<1000).map {
            Order(
                placedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double($0) * 3600),
                totalCents: Int64(100 + $0),
                currency: "GBP",
                status: "delivered",
                items: "2 × Teapot, 1 × Tea cosy",
                shippingAddress: "0 Bench Lane, Exampleton EX1 2QZ"
            )
        }
        try await fixture.store.addOrders(id, orders)
        return fixture
    }
}

import Benchmark
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore

/// One customer with 100,000 orders, for the export and deletion benchmarks.
final class HeavyCustomer: @unchecked Sendable {
    let store: SQLStore
    let folder: String
    let policies: PolicySet
    let account: AccountID

    init(orders: Int) async throws {
        (store, folder) = try freshStore()
        policies = try shippedPolicies()
        guard let id = AccountID(number: 4217) else { throw JobFailure(message: "bad id") }
        account = id
        try await create(store, 4217)
        var batch: [Order] = []
        for n in 0..<orders {
            batch.append(
                Order(
                    placedAt: Date(timeIntervalSince1970: 1_600_000_000 + Double(n) * 600),
                    totalCents: Int64(500 + n % 10_000),
                    currency: "GBP",
                    status: "delivered",
                    items: "\(n % 3 + 1) × Teapot, 1 × Tea cosy",
                    shippingAddress: "4217 Bench Lane, Exampleton EX1 2QZ"
                )
            )
            if batch.count == 5_000 {
                try await store.addOrders(id, batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await store.addOrders(id, batch) }
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

extension HeavyCustomer {
    /// An export builder over this customer's store, writing below its folder.
    func exporter(downloads: Int = 3) -> ExportBuilder {
        var builder = ExportBuilder(
            store: store,
            policies: policies,
            clock: SystemWallClock(),
            random: SecureRandomSource(),
            folder: (folder as NSString).appendingPathComponent("Exports")
        )
        builder.downloads = downloads
        return builder
    }
}

/// One sealed bundle of a heavy customer, built once, with enough downloads for every iteration.
final class BuiltBundle: @unchecked Sendable {
    // Held so the customer's store and folder (removed when it goes) outlive every download.
    let customer: HeavyCustomer
    let builder: ExportBuilder
    let bundleID: String

    init(_ customer: HeavyCustomer) async throws {
        self.customer = customer
        builder = customer.exporter(downloads: 1_000)
        bundleID = try await builder.build(for: RequestID("R-BENCH"), account: customer.account).id
    }
}

/// Hands out each customer once.
final class HeavyCustomers: @unchecked Sendable {
    private let customers: [HeavyCustomer]
    // Only touched by the benchmark's own iterations, which run one at a time.
    private var index = 0

    init(_ customers: [HeavyCustomer]) { self.customers = customers }

    func next() -> HeavyCustomer {
        defer { index += 1 }
        return customers[min(index, customers.count - 1)]
    }
}

func processingBenchmarks() {
    // Five timed runs with the growth of resident memory during each: an export or download must not
    // grow with the bundle, and the process's peak also holds the 100,000-order fixture. (A local value:
    // `Benchmark.Configuration` is not `Sendable`, so it cannot be a global constant.)
    let exportConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, .peakMemoryResidentDelta, .throughput],
        scalingFactor: .one,
        maxDuration: .seconds(120),
        maxIterations: 5
    )
    Benchmark(
        "Export bundle of a customer with 100,000 orders",
        configuration: exportConfiguration
    ) { (benchmark: Benchmark, customer: HeavyCustomer) in
        let builder = customer.exporter()
        for _ in benchmark.scaledIterations {
            let zip = URL(fileURLWithPath: customer.folder).appendingPathComponent("bench-\(UUID().uuidString).zip")
            blackHole(try await builder.writeZip(customer.account, request: nil, bundleID: "BENCH", to: zip))
            try? FileManager.default.removeItem(at: zip)
        }
    } setup: {
        try await HeavyCustomer(orders: 100_000)
    }

    Benchmark(
        "Sealed export bundle of a customer with 100,000 orders (as built for a request)",
        configuration: exportConfiguration
    ) { (benchmark: Benchmark, customer: HeavyCustomer) in
        let builder = customer.exporter()
        for _ in benchmark.scaledIterations {
            let record = try await builder.build(for: RequestID("R-BENCH"), account: customer.account)
            blackHole(record)
            let sealed = (builder.folder as NSString).appendingPathComponent(record.path)
            try? FileManager.default.removeItem(atPath: sealed)
        }
    } setup: {
        try await HeavyCustomer(orders: 100_000)
    }

    Benchmark(
        "Read 100,000 orders a page at a time (what an export's two passes each do)",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident],
            scalingFactor: .one,
            maxDuration: .seconds(60),
            maxIterations: 5
        )
    ) { (benchmark: Benchmark, customer: HeavyCustomer) in
        for _ in benchmark.scaledIterations {
            var after: Int64?
            var count = 0
            while true {
                let page = try await customer.store.ordersPage(customer.account, after: after, limit: 1000)
                if page.isEmpty { break }
                count += page.count
                after = page.last?.id
            }
            blackHole(count)
        }
    } setup: {
        try await HeavyCustomer(orders: 100_000)
    }

    Benchmark(
        "Download of the 100,000-order bundle (decrypted and handed on a chunk at a time)",
        configuration: exportConfiguration
    ) { (benchmark: Benchmark, fixture: BuiltBundle) in
        for _ in benchmark.scaledIterations {
            var bytes = 0
            for try await chunk in try await fixture.builder.openDownload(fixture.bundleID) { bytes += chunk.count }
            blackHole(bytes)
        }
    } setup: {
        try await BuiltBundle(HeavyCustomer(orders: 100_000))
    }

    Benchmark(
        "Deletion of a customer with 100,000 orders (one erasure transaction)",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident],
            // No warm-up: a warm-up would erase a customer unmeasured and leave later runs the idempotent path.
            warmupIterations: 0,
            scalingFactor: .one,
            maxDuration: .seconds(300),
            maxIterations: 3
        )
    ) { (benchmark: Benchmark, customers: HeavyCustomers) in
        // Each iteration erases a customer not erased before: erasing one twice only returns its receipt.
        for _ in benchmark.scaledIterations {
            let customer = customers.next()
            let plan = ErasurePlan(decisions: [
                .orders: .keepMinimised(
                    legalBasis: "tax law",
                    citation: "GDPR Art 17(3)(b)",
                    until: Date().addingTimeInterval(10 * 365 * 86_400)
                )
            ])
            blackHole(
                try await customer.store.eraseCustomer(
                    customer.account,
                    request: RequestID("R-BENCH"),
                    plan: plan,
                    at: Date()
                )
            )
        }
    } setup: {
        var customers: [HeavyCustomer] = []
        for _ in 0..<3 { customers.append(try await HeavyCustomer(orders: 100_000)) }
        return HeavyCustomers(customers)
    }
}

import Benchmark
import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore

/// The shipped policies, found from this file's place in the repository.
func shippedPolicies() throws -> PolicySet {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try PolicyDirectory.load(at: root.appendingPathComponent("Policies").path)
}

/// A store with a request service, for intake.
final class IntakeFixture: @unchecked Sendable {
    let store: SQLStore
    let folder: String
    let service: RequestService
    // Only touched by the benchmark's own iterations, which run one at a time.
    var next = 0

    init() throws {
        (store, folder) = try freshStore()
        service = RequestService(
            store: store,
            vault: store.vault,
            policies: try shippedPolicies(),
            clock: SystemWallClock()
        )
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

/// A store whose request table holds `count` open requests, written directly for speed of setup.
final class QueueFixture: @unchecked Sendable {
    let store: SQLStore
    let folder: String

    init(openRequests count: Int) async throws {
        (store, folder) = try freshStore()
        guard let path = store.sqlitePath else { throw CancellationError() }
        let statuses = ["received", "awaiting-verification", "verified", "in-progress", "extended"]
        let schedule = "{}"
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO privacy_requests (id, kind, deadline_kind, subject_id, jurisdiction, channel, status, received_at,
                        binding_due, internal_target, schedule, updated_at)
                    VALUES (?, 'export', 'access', ?, 'uk-gdpr', 'web', ?, ?, ?, ?, ?, ?)
                    """
            )
            var state: UInt64 = 42
            for n in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let day = Int(state >> 33) % 365
                let due = LocalDate(year: 2027, month: 1, day: 1)?.adding(days: day).description ?? "2027-01-01"
                try statement.execute(arguments: [
                    "R-\(n)", "R-\(n)", statuses[n % statuses.count], Double(n), due, due, schedule, Double(n),
                ])
            }
        }
        try queue.close()
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

func requestBenchmarks() {
    Benchmark(
        "Intake: 100,000 requests, each durable before it returns (1,000 per iteration)",
        configuration: .init(
            metrics: [.throughput, .wallClock, .peakMemoryResident],
            scalingFactor: .kilo,
            maxDuration: .seconds(900),
            maxIterations: 100
        )
    ) { (benchmark: Benchmark, fixture: IntakeFixture) in
        for _ in benchmark.scaledIterations {
            let n = fixture.next
            fixture.next += 1
            blackHole(
                try await fixture.service.submit(
                    RequestSubmission(
                        kind: .export,
                        email: "requester\(n)@example.com",
                        channel: .web,
                        jurisdiction: "us-ca"
                    )
                )
            )
        }
    } setup: {
        try IntakeFixture()
    }

    Benchmark(
        "Queue: the 50 most urgent of 1,000,000 open requests",
        configuration: .init(
            metrics: [.throughput, .wallClock, .mallocCountTotal],
            scalingFactor: .one,
            maxDuration: .seconds(10)
        )
    ) { (benchmark: Benchmark, fixture: QueueFixture) in
        for _ in benchmark.scaledIterations {
            let rows = try await fixture.store.listRequests(RequestQuery(statuses: RequestQuery.open, limit: 50))
            precondition(rows.count == 50)
            blackHole(rows)
        }
    } setup: {
        try await QueueFixture(openRequests: 1_000_000)
    }
}

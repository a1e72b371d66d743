import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheStore
import Testing

/// The retention side of the store protocol, on every backend.
@Suite("Store conformance: retention")
struct RetentionConformanceTests {
    static let asOf = Date.iso("2027-06-01T12:00:00Z")

    func account(_ store: any LetheStore, _ n: Int) async throws -> AccountID {
        let id = Fixtures.id(n)
        try await store.createAccount(
            id,
            Fixtures.account(n),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "zelda.quimby\(n)@example.org")
        )
        return id
    }

    func checkpoint(_ run: String, _ target: PurgeTarget = .securityEvents) -> PurgeCheckpoint {
        PurgeCheckpoint(runID: run, ruleID: "security-events", target: target)
    }

    @Test(
        "A batch purges what is due at the cutoff to the second, never more than its limit, and counts it on the run",
        arguments: Backend.allCases
    )
    func batchAtTheCutoff(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = try await account(store, 1)
        let cutoff = Self.asOf.addingTimeInterval(-180 * 86_400)
        for offset in [-3.0, -2, -1, 0, 1] {
            try await store.addSecurityEvent(
                id,
                at: cutoff.addingTimeInterval(offset),
                kind: "sign-in",
                ipAddress: "198.51.100.7",
                userAgent: nil
            )
        }
        let holds = RetentionHolds(asOf: Self.asOf)
        #expect(try await store.countDue(.securityEvents, cutoff: cutoff, holds: holds).due == 4)
        try await store.beginPurgeRun(id: "run-1", holder: "h", asOf: Self.asOf, at: Self.asOf)
        let first = try await store.purgeBatch(
            .securityEvents,
            cutoff: cutoff,
            holds: holds,
            limit: 3,
            checkpoint: checkpoint("run-1")
        )
        let second = try await store.purgeBatch(
            .securityEvents,
            cutoff: cutoff,
            holds: holds,
            limit: 3,
            checkpoint: checkpoint("run-1")
        )
        let third = try await store.purgeBatch(
            .securityEvents,
            cutoff: cutoff,
            holds: holds,
            limit: 3,
            checkpoint: checkpoint("run-1")
        )
        #expect([first, second, third] == [Int](arrayLiteral: 3, 1, 0))
        // The record one second after the cutoff stays.
        #expect(try await store.securityEvents(id).map(\.at) == [cutoff.addingTimeInterval(1)])
        let run = try #require(try await store.purgeRuns(status: .running, limit: 5).first)
        #expect(run.counts == [PurgeCount(ruleID: "security-events", target: .securityEvents, records: 4)])
    }

    @Test(
        "A legal hold keeps what it names, in force from placement to release; the count names the hold",
        arguments: Backend.allCases
    )
    func legalHold(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let held = try await account(store, 1)
        let free = try await account(store, 2)
        let old = Self.asOf.addingTimeInterval(-400 * 86_400)
        for id in [held, free] {
            try await store.addSecurityEvent(id, at: old, kind: "sign-in", ipAddress: nil, userAgent: nil)
            try await store.addSupportInteraction(id, at: old, channel: "chat", transcript: "About a teapot")
        }
        try await store.placeHold(
            LegalHold(
                id: "H-1",
                accountID: held,
                categories: [.securityLogs],
                reason: "Fraud case 2027-114",
                owner: "staff:officer-1",
                placedAt: old
            )
        )
        let holds = RetentionHolds(asOf: Self.asOf)
        try await store.beginPurgeRun(id: "r", holder: "h", asOf: Self.asOf, at: Self.asOf)
        let count = try await store.countDue(.securityEvents, cutoff: Self.asOf, holds: holds)
        #expect(count.due == 1)
        #expect(count.held == 1)
        #expect(
            count.holds == [HeldBack(reason: .legalHold, reference: "H-1", accountID: held.description, records: 1)]
        )
        // The hold names security logs only: the support history of the same customer goes.
        #expect(try await store.countDue(.supportInteractions, cutoff: Self.asOf, holds: holds).due == 2)
        #expect(
            try await store.purgeBatch(
                .securityEvents,
                cutoff: Self.asOf,
                holds: holds,
                limit: 100,
                checkpoint: checkpoint("r")
            ) == 1
        )
        #expect(try await store.securityEvents(held).count == 1)
        #expect(try await store.securityEvents(free).isEmpty)
        // Released before the instant the rules run at: no longer a hold.
        #expect(try await store.releaseHold("H-1", at: Self.asOf.addingTimeInterval(-60), by: "staff:officer-1"))
        #expect(try await store.countDue(.securityEvents, cutoff: Self.asOf, holds: holds).due == 1)
    }

    @Test(
        "One purge lease at a time: a live holder is named, an expired or dead one is taken over",
        arguments: Backend.allCases
    )
    func lease(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let now = Self.asOf
        func claim(_ holder: String, at: Date) -> PurgeLeaseHolder {
            PurgeLeaseHolder(
                holder: holder,
                host: "node-a",
                pid: 42,
                acquiredAt: at,
                expiresAt: at.addingTimeInterval(60)
            )
        }
        #expect(try await store.acquirePurgeLease(claim("A", at: now), replacing: nil) == nil)
        #expect(try await store.acquirePurgeLease(claim("B", at: now), replacing: nil)?.holder == "A")
        #expect(try await store.renewPurgeLease(holder: "A", until: now.addingTimeInterval(120)))
        #expect(
            try await store.acquirePurgeLease(claim("B", at: now.addingTimeInterval(90)), replacing: nil)?.holder == "A"
        )
        // Found dead by the caller: taken over before its expiry.
        #expect(try await store.acquirePurgeLease(claim("B", at: now.addingTimeInterval(90)), replacing: "A") == nil)
        #expect(try await store.renewPurgeLease(holder: "A", until: now.addingTimeInterval(500)) == false)
        // Expired: anyone takes it.
        #expect(try await store.acquirePurgeLease(claim("C", at: now.addingTimeInterval(200)), replacing: nil) == nil)
        try await store.releasePurgeLease(holder: "C")
        #expect(try await store.acquirePurgeLease(claim("D", at: now.addingTimeInterval(201)), replacing: nil) == nil)
    }

    @Test(
        "Purging the oldest audit entries leaves a checkpoint the chain verifies from; a forged checkpoint is caught",
        arguments: Backend.allCases
    )
    func auditPrefix(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let start = Date.iso("2023-01-01T00:00:00Z")
        for n in 0..<10 {
            try await store.appendAudit(
                AuditEvent(
                    at: start.addingTimeInterval(Double(n) * 86_400 * 100),
                    actor: "staff:a",
                    action: "test.event",
                    subjectType: "purge-run",
                    subjectID: "X-\(n)",
                    fields: []
                )
            )
        }
        // Entries 1-4 are older than the cutoff (day 0, 100, 200, 300); 5 is at day 400.
        let cutoff = start.addingTimeInterval(350 * 86_400)
        let holds = RetentionHolds(asOf: Self.asOf)
        try await store.beginPurgeRun(id: "run", holder: "h", asOf: Self.asOf, at: Self.asOf)
        #expect(try await store.countDue(.auditEntries, cutoff: cutoff, holds: holds).due == 4)
        let check = PurgeCheckpoint(runID: "run", ruleID: "audit-trail", target: .auditEntries)
        #expect(try await store.purgeAuditEntries(cutoff: cutoff, holds: holds, limit: 3, checkpoint: check) == 3)
        #expect(try await store.purgeAuditEntries(cutoff: cutoff, holds: holds, limit: 3, checkpoint: check) == 1)
        #expect(try await store.purgeAuditEntries(cutoff: cutoff, holds: holds, limit: 3, checkpoint: check) == 0)
        let point = try #require(try await store.auditCheckpoint())
        #expect(point.seq == 4)
        #expect(point.purged == 4)
        #expect(try await store.auditEntries(subjectType: nil, subjectID: nil).map(\.seq) == Array(5...10))
        #expect(try await store.firstBrokenAuditEntry() == nil)
        // Purge everything: the next entry continues the numbering from the checkpoint.
        _ = try await store.purgeAuditEntries(cutoff: .distantFuture, holds: holds, limit: 100, checkpoint: check)
        let next = try await store.appendAudit(
            AuditEvent(
                at: Self.asOf,
                actor: "system:purge",
                action: "retention.purge",
                subjectType: "purge-run",
                subjectID: "Y",
                fields: []
            )
        )
        #expect(next == 11)
        #expect(try await store.firstBrokenAuditEntry() == nil)
        if let sqlite = subject.sqlite {
            // Moving the checkpoint to hide a purge (or to claim one) breaks its MAC.
            let queue = try DatabaseQueue(path: (try sqlite.sqliteFile))
            try await queue.write { db in try db.execute(sql: "UPDATE audit_checkpoint SET seq = seq - 1") }
            try queue.close()
            #expect(try await store.firstBrokenAuditEntry() != nil)
        }
    }

    @Test(
        "The audit prefix stops at the first entry about a held customer, and everything behind it waits",
        arguments: Backend.allCases
    )
    func auditPrefixStopsAtHold(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let held = try await account(store, 5)
        let start = Fixtures.created.addingTimeInterval(86_400)
        let first = try await store.auditEntries(subjectType: nil, subjectID: nil).count
        for n in 0..<6 {
            try await store.appendAudit(
                AuditEvent(
                    at: start.addingTimeInterval(Double(n) * 86_400),
                    actor: "staff:a",
                    action: "test.event",
                    subjectType: n == 3 ? "account" : "purge-run",
                    subjectID: n == 3 ? held.description : "X-\(n)",
                    fields: []
                )
            )
        }
        try await store.placeHold(
            LegalHold(
                id: "H-9",
                accountID: held,
                categories: [.auditTrail],
                reason: "Regulator inquiry",
                owner: "staff:o",
                placedAt: start
            )
        )
        try await store.beginPurgeRun(id: "run", holder: "h", asOf: Self.asOf, at: Self.asOf)
        let holds = RetentionHolds(asOf: Self.asOf)
        let count = try await store.countDue(.auditEntries, cutoff: Self.asOf.addingTimeInterval(-86_400), holds: holds)
        // The account's own creation entries come first (written by createAccount): they are about the held
        // customer, so nothing can go; behind them wait the six entries and the hold's own entry.
        #expect(count.due == 0)
        #expect(count.held == first + 7)
        #expect(count.holds.first?.reason == .behindHeldEntry)
        let check = PurgeCheckpoint(runID: "run", ruleID: "audit-trail", target: .auditEntries)
        #expect(try await store.purgeAuditEntries(cutoff: Self.asOf, holds: holds, limit: 100, checkpoint: check) == 0)
        #expect(try await store.releaseHold("H-9", at: Self.asOf.addingTimeInterval(-60), by: "staff:o"))
        // Released: the prefix runs up to the cutoff (the release itself is audited after it).
        #expect(
            try await store.purgeAuditEntries(
                cutoff: start.addingTimeInterval(10 * 86_400),
                holds: holds,
                limit: 100,
                checkpoint: check
            ) == first + 7
        )
        #expect(try await store.firstBrokenAuditEntry() == nil)
    }
}

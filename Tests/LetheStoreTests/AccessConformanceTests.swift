import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import LetheTestSupport
import Testing

/// Staff users, sessions, tokens and the queue's aggregates, against every store backend.
@Suite("Store conformance: access and reporting")
struct AccessConformanceTests {
    static func hash(_ secret: String) throws -> Data { Data(try SHA256Hasher.digest(Array(secret.utf8))) }

    @Test(
        "staff users, sessions and tokens: unique names, expiry, disabling and revocation",
        arguments: Backend.allCases
    )
    func staffSessionsAndTokens(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let now = Fixtures.created
        let user = StaffUserRecord(username: "olive", role: .officer, passwordHash: "$scrypt$x", createdAt: now)
        try await store.addStaffUser(user, by: "admin")
        await #expect(throws: StoreError.staffExists("olive")) { try await store.addStaffUser(user, by: "admin") }
        #expect(try await store.staffUser("olive") == user)

        let live = try Self.hash("s_live")
        let stale = try Self.hash("s_stale")
        try await store.createSession(
            hash: live,
            SessionRecord(subject: .staff("olive"), createdAt: now, expiresAt: now.addingTimeInterval(3600))
        )
        try await store.createSession(
            hash: stale,
            SessionRecord(subject: .staff("olive"), createdAt: now, expiresAt: now.addingTimeInterval(60))
        )
        #expect(try await store.session(hash: live, at: now.addingTimeInterval(120))?.subject == .staff("olive"))
        #expect(try await store.session(hash: stale, at: now.addingTimeInterval(120)) == nil)
        #expect(try await store.deleteExpiredSessions(before: now.addingTimeInterval(120)) == 1)

        #expect(try await store.disableStaffUser("olive", at: now, by: "admin"))
        #expect(try await !store.disableStaffUser("olive", at: now, by: "admin"))
        #expect(try await store.session(hash: live, at: now) == nil)
        try await store.setStaffPassword("olive", hash: "$scrypt$y", at: now, by: "admin")
        #expect(try await store.staffUser("olive")?.disabledAt == nil)
        #expect(try await store.staffUser("olive")?.passwordHash == "$scrypt$y")

        let token = APITokenRecord(id: "T-1", name: "worker", role: .officer, createdAt: now, createdBy: "admin")
        try await store.addAPIToken(token, hash: try Self.hash("lethe_secret"))
        #expect(try await store.apiToken(hash: try Self.hash("lethe_secret")) == token)
        #expect(try await store.apiToken(hash: try Self.hash("lethe_other")) == nil)
        #expect(try await store.revokeAPIToken("T-1", at: now, by: "admin"))
        #expect(try await !store.revokeAPIToken("T-1", at: now, by: "admin"))
        #expect(try await store.apiTokens().first?.revokedAt == now)

        let actions = try await store.auditEntries(subjectType: nil, subjectID: nil).map(\.event.action)
        #expect(actions == ["staff.added", "staff.disabled", "staff.password-set", "token.issued", "token.revoked"])
        #expect(try await store.firstBrokenAuditEntry() == nil)
    }

    @Test("failed sign-ins count within the window and are cleared", arguments: Backend.allCases)
    func signInFailures(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let now = Fixtures.created
        for minutes in [30.0, 10, 5, 1] {
            try await store.recordSignInFailure(key: "user:olive", at: now.addingTimeInterval(-minutes * 60))
        }
        try await store.recordSignInFailure(key: "user:other", at: now)
        #expect(try await store.signInFailures(key: "user:olive", since: now.addingTimeInterval(-15 * 60)) == 3)
        try await store.clearSignInFailures(key: "user:olive")
        #expect(try await store.signInFailures(key: "user:olive", since: .distantPast) == 0)
        #expect(try await store.signInFailures(key: "user:other", since: .distantPast) == 1)
    }

    @Test("a customer's sessions go when the customer is erased", arguments: Backend.allCases)
    func customerSessionsGoWithTheAccount(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(3)
        try await store.createAccount(
            id,
            Fixtures.account(3),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "x3@example.org")
        )
        let now = Fixtures.created
        let hash = try Self.hash("s_customer")
        try await store.createSession(
            hash: hash,
            SessionRecord(subject: .customer(id), createdAt: now, expiresAt: now.addingTimeInterval(600))
        )
        #expect(try await store.session(hash: hash, at: now)?.subject == .customer(id))
        _ = try await store.eraseAccount(id)
        #expect(try await store.session(hash: hash, at: now) == nil)
    }

    /// A request recorded directly, received `daysAgo` before the fixed instant under `jurisdiction`,
    /// optionally cancelled; with `acknowledgeTo`, its intake queues a receipt acknowledgement to that address.
    @discardableResult
    static func record(
        _ store: any LetheStore,
        _ id: String,
        _ kind: RequestKind,
        daysAgo: Double,
        cancelled: Bool = false,
        jurisdiction: String = "uk-gdpr",
        acknowledgeTo address: String? = nil
    ) async throws -> DeadlineSchedule {
        let received = Fixtures.created.addingTimeInterval(-daysAgo * 86_400)
        var request = PrivacyRequest(
            id: RequestID(id),
            kind: kind,
            accountID: nil,
            jurisdictionID: jurisdiction,
            receivedAt: received
        )
        if cancelled {
            try request.transition(to: .cancelled, actor: .customer, at: received, reason: "withdrawn")
        }
        let schedule = try ShippedPolicies.engine().schedule(
            DeadlineQuery(jurisdictionID: jurisdiction, kind: kind.defaultDeadlineKind, receivedAt: received)
        )
        let acknowledgement = Notice.receiptAcknowledgement(
            request: request.id,
            kind: kind,
            law: schedule.jurisdictionName,
            respondBy: schedule.response.due
        )
        _ = try await store.createRequest(
            NewRequestRecord(
                request: request,
                channel: .web,
                subjectID: id,
                agentID: nil,
                requesterEmail: address,
                idempotencyKey: nil,
                schedule: schedule,
                code: nil,
                messages: address.map { [OutboxMessage(acknowledgement, accountID: nil, recipient: $0)] } ?? [],
                audit: []
            )
        )
        return schedule
    }

    @Test(
        "the request remembers when its acknowledgement was delivered, after the notice itself is gone",
        arguments: Backend.allCases
    )
    func acknowledgementDelivery(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        for (id, address) in [
            ("R-ACK-SENT", "ack.sent@example.org"), ("R-ACK-BOUNCED", "ack.bounced@example.org"), ("R-ACK-NONE", nil),
        ] as [(String, String?)] {
            try await Self.record(store, id, .export, daysAgo: 0, jurisdiction: "us-ca", acknowledgeTo: address)
        }
        #expect(try await store.acknowledgement(of: RequestID("R-ACK-SENT")) == .waiting(attempts: 0))
        #expect(try await store.acknowledgement(of: RequestID("R-ACK-NONE")) == .notQueued)

        let now = Fixtures.created.addingTimeInterval(60)
        let claimed = try await store.claimMessages(limit: 10, now: now, claimFor: 300)
        let opened = Dictionary(
            uniqueKeysWithValues: claimed.map { ($0.message.notice.request?.rawValue ?? "", $0.id) }
        )
        let sent = try #require(opened["R-ACK-SENT"])
        let bounced = try #require(opened["R-ACK-BOUNCED"])
        try await store.markFailed(sent, error: "connection refused", retryAt: now, maxAttempts: 5)
        #expect(try await store.acknowledgement(of: RequestID("R-ACK-SENT")) == .waiting(attempts: 1))
        try await store.markFailed(bounced, error: "550 no such user", retryAt: now, maxAttempts: 0)
        #expect(try await store.acknowledgement(of: RequestID("R-ACK-BOUNCED")) == .failed)

        let delivered = now.addingTimeInterval(30)
        try await store.markDelivered(sent, at: delivered)
        try await store.markDelivered(sent, at: delivered.addingTimeInterval(600))  // a repeat keeps the first
        #expect(try await store.acknowledgement(of: RequestID("R-ACK-SENT")) == .sent(at: delivered))

        // The delivered notice is purged on its own schedule; the request keeps the fact.
        let asOf = delivered.addingTimeInterval(86_400)
        try await store.beginPurgeRun(id: "run-ack", holder: "h", asOf: asOf, at: asOf)
        let purged = try await store.purgeBatch(
            .deliveredMessages,
            cutoff: asOf,
            holds: RetentionHolds(asOf: asOf),
            limit: 100,
            checkpoint: PurgeCheckpoint(runID: "run-ack", ruleID: "delivered-messages", target: .deliveredMessages)
        )
        #expect(purged == 1)
        #expect(try await store.acknowledgement(of: RequestID("R-ACK-SENT")) == .sent(at: delivered))
    }

    @Test("queue depth, due dates per day and requests per month are counted by the store", arguments: Backend.allCases)
    func queueAggregates(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let old = try await Self.record(store, "R-OLD", .export, daysAgo: 70)
        let fresh = try await Self.record(store, "R-NEW", .deletion, daysAgo: 0)
        _ = try await Self.record(store, "R-GONE", .deletion, daysAgo: 0, cancelled: true)
        let today = LocalDate(instant: Fixtures.created, in: TimeZone(identifier: "UTC") ?? .current)

        let depth = try await store.queueDepth(today: today, dueSoonBy: fresh.binding.due)
        #expect(depth.byStatus == [.received: 2])
        #expect(depth.overdue == 1)
        #expect(depth.dueSoon == 1)

        let due = try await store.openRequestsByDueDate(through: today.adding(days: 59))
        #expect(
            Set(due.map { "\($0.due) \($0.kind.rawValue) \($0.count)" })
                == ["\(old.binding.due) export 1", "\(fresh.binding.due) deletion 1"]
        )

        let months = try await store.requestsByMonth(since: Fixtures.created.addingTimeInterval(-365 * 86_400))
        #expect(months.map(\.received).reduce(0, +) == 3)
        #expect(months.last?.received == 2)
        #expect(months.allSatisfy { $0.completed == 0 })

        let outcomes = try await store.requestOutcomes(
            jurisdiction: "uk-gdpr",
            receivedFrom: Fixtures.created.addingTimeInterval(-86_400),
            before: Fixtures.created.addingTimeInterval(86_400)
        )
        #expect(outcomes.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.cancelled, .received])
        #expect(
            try await store.requestOutcomes(jurisdiction: "us-ca", receivedFrom: .distantPast, before: .distantFuture)
                .isEmpty
        )
    }
}

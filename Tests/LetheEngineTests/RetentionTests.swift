import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import MetricsTestKit
import Synchronization
import Testing

extension ProcessingHarness {
    /// The retention scheduler at the harness clock, with its erasure jobs, exports and mail folder.
    func purge(
        metrics: PurgeMetrics = PurgeMetrics(factory: TestMetrics()),
        batchSize: Int = 500
    )
        throws -> RetentionScheduler
    {
        var erasures = runner
        erasures.kinds = [.eraseAccount]
        var scheduler = RetentionScheduler(
            store: h.store,
            policies: try ShippedPolicies.load(),
            clock: h.clock,
            random: SecureRandomSource(),
            eraseJobs: erasures,
            exportsFolder: (h.folder as NSString).appendingPathComponent("Exports"),
            mailFolder: mail,
            metrics: metrics
        )
        scheduler.batchSize = batchSize
        return scheduler
    }

    /// Purges as of `instant` and returns the report.
    func purge(at instant: Date, dryRun: Bool = false) async throws -> PurgeReport {
        h.clock.set(instant)
        return try await purge().run(dryRun: dryRun)
    }

    /// Row counts of every table, and a digest of every row of the data tables, to prove "nothing changed".
    func snapshot(excludingRunRecords: Bool = false) async throws -> [String: String] {
        var result: [String: String] = [:]
        for table in try await h.store.tableNames() {
            if excludingRunRecords,
                ["audit_log", "audit_head", "purge_runs", "purge_counts", "purge_lease"].contains(table)
            {
                continue
            }
            // Rows in a stable order on both engines: sorted by their printed values.
            let rows = try await h.store.storedRows("SELECT * FROM \(table)").map { row in
                row.keys.sorted().map { "\($0)=\(row[$0]?.description ?? "")" }.joined(separator: "|")
            }.sorted()
            result[table] = "\(rows.count):" + String(rows.description.hashValue)
        }
        return result
    }
}

extension RuleOutcome {
    func count(_ target: PurgeTarget) -> Int { purged[target.rawValue] ?? 0 }
}

extension PurgeReport {
    func rule(_ id: String) throws -> RuleOutcome { try #require(rules.first { $0.ruleID == id }) }
}

/// One rule's boundary: what to seed at `start`, when it falls due, and where the report counts it.
struct Boundary: Sendable, CustomTestStringConvertible {
    let rule: String
    let target: PurgeTarget
    let due: @Sendable (Date) -> Date
    let seed: @Sendable (ProcessingHarness, Date) async throws -> Void
    var testDescription: String { "\(rule) (\(target.rawValue))" }

    static let all: [Boundary] = [
        Boundary(rule: "security-events", target: .securityEvents, due: { $0.addingTimeInterval(180 * 86_400) }) {
            p,
            at in
            try await p.h.store.addSecurityEvent(p.h.customer, at: at, kind: "sign-in", ipAddress: nil, userAgent: nil)
        },
        Boundary(rule: "support-history", target: .supportInteractions, due: { _ in .iso("2028-09-03T09:00:00Z") }) {
            p,
            at in
            try await p.h.store.addSupportInteraction(p.h.customer, at: at, channel: "chat", transcript: "Tea cosy")
        },
        Boundary(rule: "invoices-tax-retention", target: .orders, due: { _ in .iso("2036-09-03T09:00:00Z") }) {
            p,
            at in
            try await p.h.store.addOrders(
                p.h.customer,
                [
                    Order(
                        placedAt: at,
                        totalCents: 1250,
                        currency: "GBP",
                        status: "delivered",
                        items: "Honey jar",
                        shippingAddress: nil
                    )
                ]
            )
        },
        Boundary(rule: "inactive-accounts", target: .inactiveAccounts, due: { _ in .iso("2029-09-03T09:00:00Z") }) {
            p,
            at in
            try await p.h.store.updateAccount(
                p.h.customer,
                changes: [.status(.deactivated)],
                note: RecordNote(
                    accountID: p.h.customer,
                    at: at,
                    author: "system:deactivation",
                    changedFields: ["status"],
                    reason: "Deactivated at the customer's request",
                    reference: nil,
                    verification: nil
                ),
                notification: nil
            )
        },
    ]
}

@Suite("Retention scheduler and purge")
struct RetentionTests {
    @Test("Each rule purges exactly when its period ends: not one second before", arguments: Boundary.all)
    func boundary(_ case: Boundary) async throws {
        let p = try await ProcessingHarness()
        defer { p.h.close() }
        let start = p.h.clock.now()  // 2026-09-03T09:00:00Z
        try await `case`.seed(p, start)
        let due = `case`.due(start)
        let early = try await p.purge(at: due.addingTimeInterval(-1))
        #expect(try early.rule(`case`.rule).count(`case`.target) == 0)
        let dry = try await p.purge(at: due, dryRun: true)
        #expect(try dry.rule(`case`.rule).count(`case`.target) == 1)
        let onTime = try await p.purge(at: due)
        #expect(try onTime.rule(`case`.rule).count(`case`.target) == 1)
        #expect(onTime.status == .completed)
        if `case`.target == .inactiveAccounts {
            #expect(try await p.h.store.account(p.h.customer) == nil)
            let created = Int64(start.timeIntervalSince1970)
            let receipt = try #require(
                try await p.h.store.deletionReceipt(
                    RequestID("retention:inactive-accounts:\(p.h.customer):\(created)")
                )
            )
            #expect(receipt.accountID == p.h.customer.description)
        }
        #expect(try await p.h.store.firstBrokenAuditEntry() == nil)
    }

    @Test("The as-of instant decides, not the zone it is written in")
    func zones() async throws {
        let p = try await ProcessingHarness()
        defer { p.h.close() }
        let start = p.h.clock.now()
        try await p.h.store.addSecurityEvent(p.h.customer, at: start, kind: "sign-in", ipAddress: nil, userAgent: nil)
        // 2027-03-02T09:00:00Z is when 180 days have passed; 10:59:59+02:00 is one second before it.
        let formatter = ISO8601DateFormatter()
        let before = try #require(formatter.date(from: "2027-03-02T10:59:59+02:00"))
        let after = try #require(formatter.date(from: "2027-03-02T04:00:00-05:00"))
        #expect(try await p.purge(at: before).rule("security-events").count(.securityEvents) == 0)
        #expect(try await p.purge(at: after).rule("security-events").count(.securityEvents) == 1)
    }

    @Test("A legal hold, an open request and a PIPEDA recourse period each keep due data, and the report says why")
    func holds() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let old = h.clock.now().addingTimeInterval(-400 * 86_400)
        // A Canadian customer whose request was answered today: PIPEDA s.8(8) keeps their data six months.
        let canadian = try await h.accounts.create(
            AccountApplication(
                fullName: "Peregrine Oakhurst",
                email: "peregrine.oakhurst@example.net",
                dateOfBirth: .d("1979-02-11"),
                residence: "ca-pipeda",
                addresses: [
                    PostalAddress(
                        label: "home",
                        line1: "5 Kestrel Way",
                        city: "Toronto",
                        postalCode: "M5V 2T6",
                        country: "CA"
                    )
                ],
                securityAnswer: "Otter"
            ),
            by: "agent-1"
        )
        let answered = try await h.requests.submit(
            RequestSubmission(kind: .export, accountID: canadian, email: nil, channel: .web, idempotencyKey: nil)
        ).outcome.requestID
        try await h.requests.deny(
            answered,
            basis: .manifestlyUnfounded,
            reason: "Repeated request",
            by: .staff("officer-1")
        )
        // A second customer with an open request, and the harness customer under a legal hold.
        let open = try await h.accounts.create(
            AccountApplication(
                fullName: "Clementine Ashdown",
                email: "clementine.ashdown@example.org",
                dateOfBirth: .d("1990-07-01"),
                residence: "uk-gdpr",
                addresses: [],
                securityAnswer: "Biscuit"
            ),
            by: "agent-1"
        )
        let pending = try await h.requests.submit(
            RequestSubmission(kind: .export, accountID: open, email: nil, channel: .web, idempotencyKey: nil)
        ).outcome.requestID
        let hold = try await HoldService(store: h.store, clock: h.clock).place(
            h.customer,
            categories: [],
            reason: "Litigation 2026-88",
            owner: "staff:officer-2"
        )
        for id in [h.customer, canadian, open] {
            try await h.store.addSecurityEvent(id, at: old, kind: "sign-in", ipAddress: nil, userAgent: nil)
        }
        let report = try await p.purge(at: h.clock.now().addingTimeInterval(60))
        let rule = try report.rule("security-events")
        #expect(rule.count(.securityEvents) == 0)
        #expect(rule.heldTotal == 3)
        let reasons = Set(rule.holds.map { "\($0.reason.rawValue) \($0.reference) \($0.accountID)" })
        #expect(
            reasons == [
                "legal-hold \(hold.id) \(h.customer)", "open-request \(pending) \(open)",
                "recourse-period \(answered) \(canadian)",
            ]
        )
        #expect(report.text().contains("held: recourse-period \(answered) on \(canadian): 1 record(s)"))
        // Seven months on, the open request is still open and the hold in force; the recourse period is over.
        let later = try await p.purge(at: h.clock.now().addingTimeInterval(214 * 86_400))
        #expect(try later.rule("security-events").count(.securityEvents) == 1)
        #expect(try await h.store.securityEvents(canadian).isEmpty)
        #expect(try await h.store.securityEvents(h.customer).count == 1)
        #expect(try await h.store.securityEvents(open).count == 1)
    }

    @Test(
        "an account erased when its retention ends is erased as a deletion is: tokens journaled, its notices unspooled"
    )
    func retentionErasureIsOneErasure() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let boundary = try #require(Boundary.all.first { $0.target == .inactiveAccounts })
        let start = h.clock.now()
        try await boundary.seed(p, start)
        let due = boundary.due(start)
        // A notice sent the day before: recent, so only the erasure (not the 90-day spool rule) removes it.
        h.clock.set(due.addingTimeInterval(-86_400))
        _ = try await h.store.enqueueMessage(
            OutboxMessage(
                .accountChanged(fields: ["status"]),
                accountID: h.customer,
                recipient: "honora.w@example.org"
            ),
            keyOwner: h.customer.description,
            at: h.clock.now(),
            dedupeKey: nil
        )
        _ = try await p.dispatcher.dispatch()
        let spooled = try FileManager.default.contentsOfDirectory(atPath: p.mail).filter { $0.hasSuffix(".eml") }
        #expect(!spooled.isEmpty)
        let journal = SuppressionJournal(path: (h.folder as NSString).appendingPathComponent("suppressions.journal"))
        h.clock.set(due)
        var scheduler = try p.purge()
        scheduler.erasure = Erasure(
            store: h.store,
            policies: try ShippedPolicies.load(),
            clock: h.clock,
            dispatcher: p.dispatcher,
            journal: journal
        )
        let report = try await scheduler.run(dryRun: false)
        #expect(try report.rule("inactive-accounts").count(.inactiveAccounts) == 1)
        let created = Int64(start.timeIntervalSince1970)
        let key = RequestID("retention:inactive-accounts:\(h.customer):\(created)")
        #expect(try journal.read().map(\.requestID).contains(key))
        let left = try FileManager.default.contentsOfDirectory(atPath: p.mail).filter { $0.hasSuffix(".eml") }
        #expect(Set(left).isDisjoint(with: spooled))
    }

    @Test("a spool file whose outbox row is gone (an erased customer's) goes at the next purge, whatever its age")
    func orphanedSpoolFiles() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        _ = try await h.submit(.export)
        _ = try await p.dispatcher.dispatch()
        let kept = try FileManager.default.contentsOfDirectory(atPath: p.mail).filter { $0.hasSuffix(".eml") }
        #expect(!kept.isEmpty)
        // What a crash between an erasure's commit and its spool clean-up leaves: a file with no row.
        let orphan = (p.mail as NSString).appendingPathComponent("lethe-987654321.eml")
        #expect(FileManager.default.createFile(atPath: orphan, contents: Data("To: gone@example.org\r\n".utf8)))
        let report = try await p.purge(at: h.clock.now())
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(report.rules.map { $0.count(.mailSpool) }.reduce(0, +) == 1)
        // Recent notices whose rows exist stay until their period ends.
        for name in kept {
            #expect(FileManager.default.fileExists(atPath: (p.mail as NSString).appendingPathComponent(name)))
        }
    }

    @Test("A dry run changes nothing at all; a second pass with nothing due changes no data")
    func dryRunAndIdempotence() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        for n in 0..<7 {
            try await h.store.addSecurityEvent(
                h.customer,
                at: h.clock.now().addingTimeInterval(Double(-n) * 86_400 * 60),
                kind: "sign-in",
                ipAddress: "203.0.113.\(n)",
                userAgent: nil
            )
        }
        _ = try await p.dispatcher.dispatch()
        // Two years on: past the events' and notices' periods, inside the audit trail's.
        let far = h.clock.now().addingTimeInterval(2 * 365 * 86_400)
        let before = try await p.snapshot()
        let dry = try await p.purge(at: far, dryRun: true)
        #expect(try await p.snapshot() == before)
        #expect(dry.purgedTotal > 0)
        #expect(try await h.store.purgeRuns(status: nil, limit: 10).isEmpty)
        let first = try await p.purge(at: far)
        // The dry run said what the purge did, rule by rule, for the records no erasure took first.
        #expect(try first.rule("security-events").purged == dry.rule("security-events").purged)
        #expect(try first.rule("delivered-notifications").purged == dry.rule("delivered-notifications").purged)
        let afterFirst = try await p.snapshot(excludingRunRecords: true)
        let second = try await p.purge(at: far)
        #expect(second.purgedTotal == 0)
        #expect(second.status == .completed)
        #expect(try await p.snapshot(excludingRunRecords: true) == afterFirst)
        let all = try await h.store.auditEntries(subjectType: nil, subjectID: nil).filter {
            $0.event.action == "retention.purge"
        }
        #expect(all.map(\.event.subjectID) == [first.runID, second.runID])
        #expect(try await h.store.firstBrokenAuditEntry() == nil)
    }

    @Test("A verified deletion is erased by the purge when its grace period ends, once, with its receipt")
    func graceErasure() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.approved(.deletion)
        #expect(try await p.runner.runOnce().completed == 1)  // grace starts
        let inGrace = try await p.purge(at: h.clock.now().addingTimeInterval(86_400))
        #expect(try inGrace.rule("deletion-grace").purged["erasure-jobs"] == 0)
        #expect(try await h.store.account(h.customer) != nil)
        let due = try await p.purge(at: h.clock.now().addingTimeInterval(20 * 86_400))
        #expect(try due.rule("deletion-grace").purged["erasure-jobs"] == 1)
        // Counted on the run's checkpoint by the erasure's own transaction (a purge killed right after it
        // closes with the erasure counted).
        let counted = try await h.store.storedRows(
            "SELECT records FROM purge_counts WHERE run_id = ? AND rule_id = 'deletion-grace' AND target = 'pending-deletions'",
            [due.runID]
        )
        #expect(counted.first?["records"] == .integer(1))
        #expect(try due.rule("contact-with-account").appliedWith == "deletion-grace")
        #expect(try await h.store.account(h.customer) == nil)
        let receipt = try #require(try await h.store.deletionReceipt(id))
        let again = try await p.purge(at: h.clock.now().addingTimeInterval(60))
        #expect(again.purgedTotal == 0)
        #expect(try await h.store.deletionReceipt(id) == receipt)
        #expect(try await h.store.request(id)?.request.status == .completed)
    }

    @Test("Every run leaves a purge receipt with counts per rule, and metrics per rule and category")
    func evidence() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let old = h.clock.now().addingTimeInterval(-200 * 86_400)
        for _ in 0..<3 {
            try await h.store.addSecurityEvent(h.customer, at: old, kind: "sign-in", ipAddress: nil, userAgent: nil)
        }
        let metrics = TestMetrics()
        let report = try await p.purge(metrics: PurgeMetrics(factory: metrics)).run(dryRun: false)
        let receipt = try #require(
            try await h.store.auditEntries(subjectType: "purge-run", subjectID: report.runID).first
        )
        #expect(receipt.event.action == "retention.purge")
        #expect(receipt.event.fields.contains("security-events:security-events=3"))
        #expect(receipt.event.reason?.contains("completed; purged 3") == true)
        let counter = try metrics.expectCounter(
            "lethe_purge_records_total",
            [("rule", "security-events"), ("category", "security-logs"), ("target", "security-events")]
        )
        #expect(counter.lastValue == 3)
        #expect(try metrics.expectTimer("lethe_purge_duration_seconds").values.count == 1)
        let stored = try #require(try await h.store.purgeRuns(status: .completed, limit: 1).first)
        #expect(stored.report == report.json())
        #expect(PurgeReport.decode(try #require(stored.report))?.purgedTotal == 3)
    }

    @Test("A live purge is named and refused; a dead one is taken over and its run closed from its checkpoint")
    func leaseAndInterruptedRun() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        var scheduler = try p.purge()
        let stranger = PurgeLeaseHolder(
            holder: "PR-dead@\(scheduler.host):999999",
            host: scheduler.host,
            pid: 999_999,
            acquiredAt: Date(),
            expiresAt: Date().addingTimeInterval(600)
        )
        #expect(try await h.store.acquirePurgeLease(stranger, replacing: nil) == nil)
        try await h.store.beginPurgeRun(id: "PR-dead", holder: stranger.holder, asOf: h.clock.now(), at: Date())
        try await h.store.recordPurged(
            5,
            checkpoint: PurgeCheckpoint(runID: "PR-dead", ruleID: "security-events", target: .securityEvents)
        )
        scheduler.isAlive = { _ in true }
        await #expect {
            try await scheduler.run(dryRun: false)
        } throws: { error in
            guard case .busy(let holder) = error as? PurgeError else { return false }
            return holder.holder == stranger.holder && holder.pid == 999_999
        }
        #expect(PurgeError.busy(stranger).description.contains("pid 999999"))
        // The dead process also held an erasure job's lease: taking over its purge lease frees it.
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-stranded")), dedupeKey: "stranded", runAt: h.clock.now())
        )
        #expect(
            try await h.store.leaseJobs(
                worker: "purge-999999@\(scheduler.host):999999",
                limit: 1,
                now: h.clock.now(),
                lease: 3600
            ).count == 1
        )
        scheduler.isAlive = { _ in false }
        let report = try await scheduler.run(dryRun: false)
        #expect(report.closedInterruptedRuns == ["PR-dead"])
        #expect(try await h.store.jobCounts()[.leased] == nil)
        let dead = try #require(try await h.store.purgeRuns(status: .interrupted, limit: 5).first)
        #expect(dead.id == "PR-dead")
        let receipt = try #require(try await h.store.auditEntries(subjectType: "purge-run", subjectID: "PR-dead").first)
        #expect(receipt.event.action == "retention.purge-interrupted")
        #expect(receipt.event.fields == ["security-events:security-events=5"])
        // Closed once: the next run has nothing to close.
        #expect(try await scheduler.run(dryRun: false).closedInterruptedRuns.isEmpty)
    }

    @Test("Expired bundles lose their file, then their record; stray export work files are swept")
    func bundles() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.approved(.export)
        #expect(try await p.runner.runOnce().completed == 1)
        let bundle = try #require(try await h.store.bundle(forRequest: id))
        let exports = (h.folder as NSString).appendingPathComponent("Exports")
        let file = (exports as NSString).appendingPathComponent(bundle.path)
        #expect(FileManager.default.fileExists(atPath: file))
        let orphan = (exports as NSString).appendingPathComponent("bundles/B-ORPHAN.lethe-bundle")
        #expect(FileManager.default.createFile(atPath: orphan, contents: Data([1, 2, 3])))
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-7200)],
            ofItemAtPath: orphan
        )
        let early = try await p.purge(at: bundle.expiresAt.addingTimeInterval(-1))
        #expect(try early.rule("export-bundles").count(.exportBundles) == 0)
        // At least the orphan: the same pass also sweeps the shared temporary folder, where a concurrent test
        // (strayWorkFolders) leaves a stale work folder on purpose. The file itself tells.
        #expect(early.strayExportFiles >= 1)
        #expect(!FileManager.default.fileExists(atPath: orphan))
        let due = try await p.purge(at: bundle.expiresAt)
        #expect(try due.rule("export-bundles").count(.exportBundles) == 1)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try await h.store.bundle(bundle.id) == nil)
    }

    @Test(
        "Request records go 24 months after closure with all they hold; the audit trail after 3 years, still verifiable"
    )
    func requestRecordsAndAudit() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await h.submit(.export).outcome.requestID
        try await h.requests.deny(id, basis: .unverifiable, reason: "No answer to the code", by: .staff("officer-1"))
        let closed = h.clock.now()
        // 24 months from 3 September 2026 09:00 UTC: 731 days, across 29 February 2028.
        let due = closed.addingTimeInterval(731 * 86_400)
        let before = try await p.purge(at: due.addingTimeInterval(-1))
        #expect(try before.rule("request-records").count(.requestRecords) == 0)
        let after = try await p.purge(at: due)
        #expect(try after.rule("request-records").count(.requestRecords) == 1)
        #expect(try await h.store.request(id) == nil)
        #expect(try await h.store.deadlineHistory(id).isEmpty)
        #expect(try await h.store.firstBrokenAuditEntry() == nil)
        let entriesBefore = try await h.store.auditEntries(subjectType: nil, subjectID: nil).count
        let audit = try await p.purge(at: closed.addingTimeInterval(3 * 366 * 86_400))
        #expect(try audit.rule("audit-trail").count(.auditEntries) > 0)
        #expect(try await h.store.auditEntries(subjectType: nil, subjectID: nil).count < entriesBefore + 1)
        #expect(try await h.store.firstBrokenAuditEntry() == nil)
        #expect(try await h.store.auditCheckpoint() != nil)
    }

    @Test("Expired codes go a day after expiry; delivered notices and their mail files after 90 days")
    func codesAndNotices() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await h.submit(.export).outcome.requestID
        let code = try #require(try await h.store.verificationCode(id.rawValue))
        _ = try await p.dispatcher.dispatch()
        let spooled = try FileManager.default.contentsOfDirectory(atPath: p.mail).filter { $0.hasSuffix(".eml") }
        #expect(!spooled.isEmpty)
        let early = try await p.purge(at: code.expiresAt.addingTimeInterval(86_400 - 1))
        #expect(try early.rule("expired-sessions-and-codes").count(.verificationCodes) == 0)
        let late = try await p.purge(at: code.expiresAt.addingTimeInterval(86_400))
        #expect(try late.rule("expired-sessions-and-codes").count(.verificationCodes) == 1)
        #expect(try await h.store.verificationCode(id.rawValue) == nil)
        // The open request holds the customer's notices; cancel it, then 90 days on they go, files too.
        try await h.requests.cancel(id, reason: "Changed my mind", by: .customer)
        let notices = try await p.purge(at: Date().addingTimeInterval(91 * 86_400))
        let rule = try notices.rule("delivered-notifications")
        #expect(rule.count(.deliveredMessages) > 0)
        #expect(rule.count(.mailSpool) == spooled.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: p.mail).filter { $0.hasSuffix(".eml") }.isEmpty)
    }

    @Test("A shutdown stops the purge after its batch in hand: the run ends incomplete on record and the lease is free")
    func stopsBetweenBatches() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let old = h.clock.now().addingTimeInterval(-200 * 86_400)
        for n in 0..<5 {
            try await h.store.addSecurityEvent(
                h.customer,
                at: old.addingTimeInterval(Double(n)),
                kind: "sign-in",
                ipAddress: nil,
                userAgent: nil
            )
        }
        var scheduler = try p.purge(batchSize: 2)
        // Asked after every batch: the grace step's empty pass asks first, the first security-events batch second.
        let asked = Mutex(0)
        scheduler.shouldStop = {
            asked.withLock { n in
                n += 1
                return n >= 2
            }
        }
        let report = try await scheduler.run(dryRun: false)
        #expect(report.status == .incomplete)
        #expect(report.failures.contains { $0.contains("stopped for shutdown") })
        // The first batch committed before the stop; the rest waits for the next run.
        #expect(try await h.store.securityEvents(h.customer).count == 3)
        let run = try #require(try await h.store.purgeRuns(status: .incomplete, limit: 1).first)
        #expect(run.counts.map(\.records).reduce(0, +) == 2)
        #expect(try await h.store.purgeRuns(status: .running, limit: 5).isEmpty)
        scheduler.shouldStop = { false }
        #expect(try await scheduler.run(dryRun: false).status == .completed)
        #expect(try await h.store.securityEvents(h.customer).isEmpty)
    }

    @Test("A plain-text export work folder left by a crash is removed once it is an hour old, not before")
    func strayWorkFolders() async throws {
        let p = try await ProcessingHarness()
        defer { p.h.close() }
        let temp = FileManager.default.temporaryDirectory
        let stale = temp.appendingPathComponent("lethe-export-\(UUID().uuidString)")
        let fresh = temp.appendingPathComponent("lethe-bundle-\(UUID().uuidString)")
        for folder in [stale, fresh] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            #expect(
                FileManager.default.createFile(
                    atPath: folder.appendingPathComponent("data.json").path,
                    contents: Data("{}".utf8)
                )
            )
        }
        defer { try? FileManager.default.removeItem(at: fresh) }
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-7200)],
            ofItemAtPath: stale.path
        )
        // Other tests' purges share this temporary folder and may sweep it first: the folders tell, not the count.
        _ = try await p.purge(at: p.h.clock.now())
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path))
    }
}

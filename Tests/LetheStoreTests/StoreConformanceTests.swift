import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Testing

/// Behaviour every store must have, whatever the database underneath.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test(
        "An account reads back exactly as written, and is found by email and phone through the blind index",
        arguments: Backend.allCases
    )
    func createAndRead(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(4217)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "zelda.quimby1@example.org")
        )
        let account = try #require(try await store.account(id))
        #expect(account.fullName == "Zelda Quimby-1")
        #expect(account.email == "zelda.quimby1@example.org")
        #expect(account.phone == "+442079460001")
        #expect(account.dateOfBirth == LocalDate(year: 1988, month: 4, day: 17))
        #expect(account.addresses.map(\.address.line1) == ["1 Quillfeather Lane"])
        #expect(account.preferences.notifications == ["email": true, "sms": false])
        #expect(account.status == .active)
        #expect(try await store.accountID(forEmail: "  Zelda.Quimby1@EXAMPLE.org") == id)
        #expect(try await store.accountID(forPhone: "0044 20-7946-0001") == id)
        #expect(try await store.accountID(forEmail: "nobody@example.org") == nil)
        #expect(try await store.securityAnswer(id) == "Marmalade the cat")
        #expect(try await store.account(Fixtures.id(1)) == nil)
    }

    @Test("A taken id or email is refused and changes nothing", arguments: Backend.allCases)
    func uniqueness(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(10)
        try await store.createAccount(
            id,
            Fixtures.account(1),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "a@example.org")
        )
        await #expect(throws: StoreError.accountIDTaken(id)) {
            try await store.createAccount(
                id,
                Fixtures.account(2),
                note: Fixtures.note(id),
                welcome: Fixtures.welcome(id, email: "b@example.org")
            )
        }
        let other = Fixtures.id(11)
        await #expect(throws: StoreError.emailInUse) {
            try await store.createAccount(
                other,
                Fixtures.account(3, email: "ZELDA.quimby1@example.org"),
                note: Fixtures.note(other),
                welcome: Fixtures.welcome(other, email: "c@example.org")
            )
        }
        #expect(try await store.accountCount() == 1)
        #expect(try await store.dataKeyCounts().values.reduce(0, +) == 1)
    }

    @Test("Updates, their record note and the customer's notification land together", arguments: Backend.allCases)
    func updates(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(20)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "x@example.org")
        )
        let card = NewPaymentMethod(
            card: try PaymentCardNumber("4242 4242 4242 4242"),
            cardholderName: "Zelda Quimby",
            expiry: try CardExpiry(month: 9, year: 2029)
        )
        let later = Fixtures.created.addingTimeInterval(3600)
        let evidence = VerificationEvidence(method: .securityQuestions, verifiedBy: "agent-9", verifiedAt: later)
        let note = RecordNote(
            accountID: id,
            at: later,
            author: "agent-9",
            changedFields: ["email", "payment-method", "address"],
            reason: "Customer moved and changed card",
            reference: "TICKET-2",
            verification: evidence
        )
        let address = PostalAddress(
            label: "home",
            line1: "9 New Road",
            city: "Newtown",
            postalCode: "NT9 9ZZ",
            country: "GB"
        )
        let existing = try #require(try await store.account(id)?.addresses.first)
        try await store.updateAccount(
            id,
            changes: [
                .email("zelda.new@example.org"), .addPaymentMethod(card), .replaceAddress(id: existing.id, address),
            ],
            note: note,
            notification: OutboxMessage(
                .accountChanged(fields: ["email", "payment-method", "address"]),
                accountID: id,
                recipient: "zelda.new@example.org"
            )
        )
        let account = try #require(try await store.account(id))
        #expect(account.email == "zelda.new@example.org")
        #expect(account.paymentMethods.map(\.last4) == ["4242"])
        #expect(account.paymentMethods.first?.brand == "visa")
        #expect(account.addresses.first?.address == address)
        #expect(try await store.accountID(forEmail: "zelda.quimby1@example.org") == nil)
        #expect(try await store.accountID(forEmail: "zelda.new@example.org") == id)
        let notes = try await store.recordNotes(RecordNoteQuery(accountID: id))
        #expect(notes.count == 2)
        #expect(notes.first?.changedFields == ["email", "payment-method", "address"])
        #expect(notes.first?.verification == evidence)
        #expect(notes.first?.reason == "Customer moved and changed card")
        #expect(try await store.recordNotes(RecordNoteQuery(author: "agent-9")).count == 1)
        #expect(try await store.recordNotes(RecordNoteQuery(from: later)).count == 1)
        let pending = try await store.pendingMessages(limit: 10, now: later)
        #expect(pending.map(\.message.kind) == [.welcome, .accountChanged])
        #expect(pending.last?.message.recipient == "zelda.new@example.org")
        await #expect(throws: StoreError.addressNotFound(id, 999)) {
            try await store.updateAccount(id, changes: [.removeAddress(id: 999)], note: note, notification: nil)
        }
        #expect(try await store.recordNotes(RecordNoteQuery(accountID: id)).count == 2)
    }

    @Test(
        "Workers claiming messages at once each get different ones; a claim that runs out frees the message",
        arguments: Backend.allCases
    )
    func outboxClaims(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        try await Fixtures.createAccounts(store, 1...40, idsFrom: 300)
        let now = Fixtures.created.addingTimeInterval(60)
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<4 {
                group.addTask { try await store.claimMessages(limit: 15, now: now, claimFor: 300).map(\.id) }
            }
            return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        let claimed = claims.flatMap { $0 }
        #expect(claimed.count == 40)
        #expect(Set(claimed).count == 40)  // no message handed to two workers
        #expect(try await store.claimMessages(limit: 100, now: now, claimFor: 300).isEmpty)
        let delivered = try #require(claimed.first)
        try await store.markDelivered(delivered, at: now)
        // A worker that died with its claims: they come back once the claim has run out, the delivered one not.
        let again = try await store.claimMessages(limit: 100, now: now.addingTimeInterval(301), claimFor: 300)
        #expect(Set(again.map(\.id)) == Set(claimed).subtracting([delivered]))
    }

    @Test(
        "Workers leasing jobs at once each get different ones, and every job is leased exactly once",
        arguments: Backend.allCases
    )
    func concurrentLeases(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let now = Fixtures.created
        for n in 0..<60 {
            #expect(
                try await store.enqueue(
                    NewJob(.eraseAccount(RequestID("R-job-\(n)")), dedupeKey: "job-\(n)", runAt: now)
                )
            )
        }
        #expect(
            try await store.enqueue(NewJob(.eraseAccount(RequestID("R-job-0")), dedupeKey: "job-0", runAt: now))
                == false
        )
        let leases = try await withThrowingTaskGroup(of: [LeasedJob].self) { group in
            for worker in 0..<4 {
                group.addTask { try await store.leaseJobs(worker: "w\(worker)", limit: 20, now: now, lease: 60) }
            }
            return try await group.reduce(into: [LeasedJob]()) { $0 += $1 }
        }
        #expect(leases.count == 60)
        #expect(Set(leases.map(\.id)).count == 60)
        for job in leases { #expect(try await store.completeJob(job, now: now)) }
        #expect(try await store.jobCounts()[.done] == 60)
    }

    @Test("Orders, support history, security events and the consent ledger round-trip", arguments: Backend.allCases)
    func history(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(30)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "x@example.org")
        )
        let orders = (0..<1000).map {
            Order(
                placedAt: Fixtures.created.addingTimeInterval(Double($0) * 60),
                totalCents: Int64(1000 + $0),
                currency: "GBP",
                status: "delivered",
                items: "Teapot ×\($0 % 3 + 1)",
                shippingAddress: "1 Quillfeather Lane"
            )
        }
        try await store.addOrders(id, orders)
        let read = try await store.orders(id, limit: nil)
        #expect(read.count == 1000)
        #expect(read.last?.totalCents == 1999)
        #expect(read.first?.items == "Teapot ×1")
        try await store.addSupportInteraction(
            id,
            at: Fixtures.created,
            channel: "chat",
            transcript: "Where is my teapot?"
        )
        try await store.addSecurityEvent(
            id,
            at: Fixtures.created,
            kind: "sign-in",
            ipAddress: "203.0.113.7",
            userAgent: "Firefox"
        )
        let consent = ConsentRecord(
            purpose: "marketing-email",
            granted: false,
            source: "gpc-signal",
            sourceDetail: "Sec-GPC: 1",
            noticeVersion: "2026-01",
            at: Fixtures.created
        )
        try await store.appendConsent(id, consent)
        #expect(try await store.consents(id) == [consent])
    }

    @Test("Erasing a customer removes every row and their key in one step", arguments: Backend.allCases)
    func erasure(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let keep = Fixtures.id(40)
        let erase = Fixtures.id(41)
        try await store.createAccount(
            keep,
            Fixtures.account(1),
            note: Fixtures.note(keep),
            welcome: Fixtures.welcome(keep, email: "k@example.org")
        )
        try await store.createAccount(
            erase,
            Fixtures.account(2),
            note: Fixtures.note(erase),
            welcome: Fixtures.welcome(erase, email: "e@example.org")
        )
        try await store.addOrders(
            erase,
            [
                Order(
                    placedAt: Fixtures.created,
                    totalCents: 1,
                    currency: "GBP",
                    status: "x",
                    items: "y",
                    shippingAddress: nil
                )
            ]
        )
        let removed = try await store.eraseAccount(erase)
        #expect(removed == 6)  // account, address, order, note, outbox, key: and nothing of the other customer
        #expect(try await store.account(erase) == nil)
        #expect(try await store.accountID(forEmail: "zelda.quimby2@example.org") == nil)
        #expect(try await store.account(keep) != nil)
        #expect(try await store.dataKeyCounts().values.reduce(0, +) == 1)
        #expect(try await store.eraseAccount(erase) == 0)
    }

    @Test(
        "Rotation rewraps every data key in batches; reads keep working, then the old version retires",
        arguments: Backend.allCases
    )
    func rotation(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        try await Fixtures.createAccounts(store, 1...25, idsFrom: 100)
        #expect(try await store.dataKeyCounts() == [1: 25])
        let rotated = try await subject.vault.keyring.rotated()
        await subject.vault.replaceKeyring(rotated)
        var batches = 0
        while try await store.rewrapDataKeys(limit: 10) > 0 { batches += 1 }
        #expect(batches == 3)
        #expect(try await store.dataKeyCounts() == [2: 25])
        #expect(try await store.rewrapDataKeys(limit: 10) == 0)
        // A fresh process with only the new version reads everything.
        await subject.vault.replaceKeyring(try rotated.retiring(1))
        if let sqlite = subject.sqlite {
            let reopened = try SQLStore(folder: subject.folder, vault: KeyVault(keyring: try rotated.retiring(1)))
            #expect(try await reopened.account(Fixtures.id(113))?.fullName == "Zelda Quimby-13")
            _ = sqlite
        }
    }

    @Test("The audit chain verifies, and names the first entry that does not", arguments: Backend.allCases)
    func auditChain(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        for n in 0..<5 {
            try await store.appendAudit(
                AuditEvent(
                    at: Fixtures.created.addingTimeInterval(Double(n)),
                    actor: "staff:agent-7",
                    action: "reveal",
                    subjectType: "account",
                    subjectID: "TR-00042",
                    fields: ["email"],
                    reason: "customer on the phone"
                )
            )
        }
        #expect(try await store.firstBrokenAuditEntry() == nil)
        #expect(try await store.auditEntries(subjectType: "account", subjectID: "TR-00042").count == 5)
    }

    @Test(
        "A staff reason about an account is sealed under its key, readable until erasure, and the chain still verifies",
        arguments: Backend.allCases
    )
    func auditReasonSealed(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(77)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "reason.test@example.org")
        )
        try await store.appendAudit(
            AuditEvent(
                at: Fixtures.created,
                actor: "staff:agent-7",
                action: "reveal",
                subjectType: "account",
                subjectID: id.description,
                fields: ["email"],
                reason: "Ms Quimby read her card number aloud"
            )
        )
        let entry = try #require(
            try await store.auditEntries(subjectType: "account", subjectID: id.description).last
        )
        #expect(entry.event.reason?.contains("Quimby") == false)
        #expect(try await store.auditReason(entry) == "Ms Quimby read her card number aloud")
        _ = try await store.eraseAccount(id)
        #expect(try await store.auditReason(entry) == "(reason erased with the customer's key)")
        #expect(try await store.firstBrokenAuditEntry() == nil)
    }
}

@Suite("Store conformance: holds and export bundles")
struct HoldAndBundleConformanceTests {
    @Test("A hold is in force from placement until release, and both are audited", arguments: Backend.allCases)
    func holds(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(50)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "h@example.org")
        )
        let placed = Fixtures.created.addingTimeInterval(100)
        let hold = LegalHold(
            id: "HOLD-1",
            accountID: id,
            categories: [.orders, .supportHistory],
            reason: "Quimby v. Teapot Co., case 2026-17",
            owner: "staff:counsel-1",
            placedAt: placed
        )
        try await store.placeHold(hold)
        #expect(try await store.activeHolds(id, at: placed.addingTimeInterval(-1)).isEmpty)
        let active = try await store.activeHolds(id, at: placed.addingTimeInterval(1))
        #expect(active.map(\.reason) == ["Quimby v. Teapot Co., case 2026-17"])
        #expect(active.first?.blocks(.orders, of: id, at: placed.addingTimeInterval(1)) == true)
        #expect(active.first?.blocks(.contact, of: id, at: placed.addingTimeInterval(1)) == false)
        #expect(try await store.releaseHold("HOLD-1", at: placed.addingTimeInterval(50), by: "staff:counsel-1"))
        #expect(
            try await store.releaseHold("HOLD-1", at: placed.addingTimeInterval(60), by: "staff:counsel-1") == false
        )
        #expect(try await store.activeHolds(id, at: placed.addingTimeInterval(51)).isEmpty)
        #expect(try await store.holds(includeReleased: true).count == 1)
        let actions = try await store.auditEntries(subjectType: "account", subjectID: id.description).map(
            \.event.action
        )
        #expect(actions.suffix(2) == ["hold.placed", "hold.released"])
    }

    @Test("A bundle link allows a limited number of downloads until it expires", arguments: Backend.allCases)
    func bundles(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let created = Fixtures.created
        let record = ExportBundleRecord(
            id: "B-1",
            accountID: Fixtures.id(51),
            requestID: RequestID("R-1"),
            path: "bundles/B-1.zip.enc",
            sha256: String(repeating: "ab", count: 32),
            createdAt: created,
            expiresAt: created.addingTimeInterval(7 * 86_400),
            downloadsLeft: 2
        )
        try await store.recordBundle(record)
        #expect(try await store.takeDownload("B-1", at: created)?.downloadsLeft == 1)
        #expect(try await store.takeDownload("B-1", at: created)?.downloadsLeft == 0)
        #expect(try await store.takeDownload("B-1", at: created) == nil)
        #expect(try await store.expiredBundles(at: created).map(\.id) == ["B-1"])
        try await store.recordBundle(
            ExportBundleRecord(
                id: "B-2",
                accountID: Fixtures.id(51),
                requestID: RequestID("R-2"),
                path: "bundles/B-2.zip.enc",
                sha256: record.sha256,
                createdAt: created,
                expiresAt: created.addingTimeInterval(10),
                downloadsLeft: 3
            )
        )
        #expect(try await store.takeDownload("B-2", at: created.addingTimeInterval(11)) == nil)
        #expect(try await store.bundle(forRequest: RequestID("R-2"))?.id == "B-2")
        #expect(try await store.bundle(forRequest: RequestID("R-9")) == nil)
        try await store.deleteBundleRecord("B-1")
        #expect(try await store.bundle("B-1") == nil)
    }
}

import Foundation
import LetheCore
import LetheEngine
import LetheStore
import Testing

@Suite("Intake is one transaction")
struct IntakeAtomicityTests {
    static func addPartner(_ h: RequestHarness) async throws {
        try await h.store.addRecipient(
            Recipient(
                id: "ad-partner",
                name: "Ad Partner",
                categories: [.orders],
                webhookURL: "https://partner.example/hooks",
                active: true
            ),
            secret: "partner-signing-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
    }

    static func optOut(_ h: RequestHarness) -> RequestSubmission {
        RequestSubmission(
            kind: .consentChange,
            accountID: h.customer,
            channel: .web,
            jurisdiction: "us-ca",
            consentChanges: ["sale-or-sharing": false]
        )
    }

    /// The separate writes intake used to make after committing the request: if any were still made,
    /// a crash there would leave a request without its effects, and here the submission would fail.
    static let laterWrites = StoreFaults(["alert.raise", "consent.append", "recipients.add", "jobs.enqueue"])

    @Test("an opt-out verified at intake lands with its ledger entry, its recipient and its job, all at once")
    func optOutLandsWhole() async throws {
        let h = try await RequestHarness(faults: Self.laterWrites)
        defer { h.close() }
        try await Self.addPartner(h)
        let receipt = try await h.requests.submit(Self.optOut(h))
        // The answer comes from what intake wrote, and matches what a reader sees.
        #expect(receipt.status == .inProgress)
        let id = receipt.outcome.requestID
        #expect(try await h.store.request(id)?.request.status == .inProgress)
        #expect(try await h.store.consents(h.customer).map(\.purpose).contains("sale-or-sharing"))
        #expect(try await h.store.requestRecipients(id).map(\.recipientID) == ["ad-partner"])
        #expect(try await h.store.jobCounts()[.ready] == 1)
    }

    @Test("a failure before intake commits leaves no request, no consent entry, no recipient and no job")
    func optOutFailsWhole() async throws {
        let h = try await RequestHarness(faults: StoreFaults(["intake.before-commit"]))
        defer { h.close() }
        try await Self.addPartner(h)
        let consentsBefore = try await h.store.consents(h.customer)
        await #expect(throws: StoreError.injectedFault("intake.before-commit")) {
            try await h.requests.submit(Self.optOut(h))
        }
        #expect(try await h.store.listRequests(RequestQuery(accountID: h.customer)).isEmpty)
        #expect(try await h.store.consents(h.customer) == consentsBefore)
        #expect(try await h.store.jobCounts()[.ready, default: 0] == 0)
    }

    @Test("a request whose email conflicts with its account starts in the supervisors' queue, or not at all")
    func conflictAlertIsPartOfIntake() async throws {
        let conflicting = { (h: RequestHarness) in
            RequestSubmission(
                kind: .export,
                accountID: h.customer,
                email: "someone.else@example.net",
                channel: .email,
                jurisdiction: "uk-gdpr"
            )
        }
        let h = try await RequestHarness(faults: Self.laterWrites)
        defer { h.close() }
        let id = try await h.requests.submit(conflicting(h)).outcome.requestID
        let stored = try #require(try await h.store.request(id))
        #expect(stored.assignee == "supervisors")
        #expect(try await h.store.alerts(id).map(\.threshold) == ["conflict"])
        let audit = try await h.store.auditEntries(subjectType: "request", subjectID: id.rawValue).map(\.event.action)
        #expect(audit.contains("request.to-supervisor"))

        let failing = try await RequestHarness(faults: StoreFaults(["intake.before-commit"]))
        defer { failing.close() }
        await #expect(throws: StoreError.self) { try await failing.requests.submit(conflicting(failing)) }
        #expect(try await failing.store.listRequests(RequestQuery(accountID: failing.customer)).isEmpty)
        #expect(
            try await failing.store.auditEntries(subjectType: nil, subjectID: nil).allSatisfy {
                $0.event.subjectType != "request"
            }
        )
    }
}

@Suite("Actions answer with the request as they left it")
struct ActionResultTests {
    static func sameAsStored(_ returned: StoredRequest, _ h: RequestHarness) async throws {
        let read = try #require(try await h.store.request(returned.request.id))
        #expect(returned.request == read.request)
        #expect(returned.schedule == read.schedule)
        #expect(returned.assignee == read.assignee)
        #expect(returned.pauses == read.pauses)
        #expect(returned.extensionNotice == read.extensionNotice)
        #expect(returned.completedAt == read.completedAt)
    }

    @Test("assign, pause, resume, extend, verify, approve and complete each return what a reader then sees")
    func everyActionReturnsTheStoredState() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        try await Self.sameAsStored(try await h.requests.assign(id, to: "officer-2", by: "supervisor-1"), h)
        try await Self.sameAsStored(try await h.requests.pause(id, reason: .clarification, by: "officer-2"), h)
        h.clock.advance(2 * 86_400)
        try await Self.sameAsStored(try await h.requests.resume(id, by: "officer-2"), h)
        try await h.requests.verify(id, proof: .securityAnswer("pemberton"), by: "officer-2")
        try await Self.sameAsStored(try await h.requests.extend(id, reason: "many records", by: "officer-2"), h)
        try await Self.sameAsStored(try await h.requests.approve(id, by: "officer-2"), h)
        try await Self.sameAsStored(
            try await h.requests.complete(id, by: .staff("officer-2"), summary: "Sent the bundle."),
            h
        )
    }

    @Test("deny and cancel return the closed request")
    func closingActions() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let first = try await h.submit().outcome.requestID
        try await Self.sameAsStored(
            try await h.requests.deny(first, basis: .unverifiable, reason: "No reply.", by: .staff("officer-1")),
            h
        )
        let second = try await h.submit().outcome.requestID
        try await Self.sameAsStored(try await h.requests.cancel(second, reason: "Withdrawn.", by: .customer), h)
    }

    @Test(
        "a closed request cannot have its clock stopped, restarted or be reassigned",
        arguments: ["pause", "resume", "assign"]
    )
    func closedRequestsAreFinal(action: String) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        try await h.requests.deny(id, basis: .unverifiable, reason: "No reply.", by: .staff("officer-1"))
        let before = try #require(try await h.store.request(id))
        await #expect(throws: RequestError.self) {
            switch action {
            case "pause": try await h.requests.pause(id, reason: .clarification, by: "officer-1")
            case "resume": try await h.requests.resume(id, by: "officer-1")
            default: try await h.requests.assign(id, to: "officer-2", by: "supervisor-1")
            }
        }
        let after = try #require(try await h.store.request(id))
        #expect(after.pauses == before.pauses && after.assignee == before.assignee)
    }

    @Test("the one extension the law allows cannot be given twice, even after the request went back to work")
    func oneExtension() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        try await h.requests.verify(id, proof: .securityAnswer("pemberton"), by: "officer-1")
        let extended = try await h.requests.extend(id, reason: "many records", by: "officer-1")
        try await h.requests.approve(id, by: "officer-1")
        let notices = try await h.store.pendingMessages(limit: 100, now: .distantFuture).filter {
            $0.message.kind == .extensionNotice
        }
        await #expect(throws: RequestError.self) {
            try await h.requests.extend(id, reason: "even more records", by: "officer-1")
        }
        let after = try #require(try await h.store.request(id))
        #expect(after.extensionNotice == extended.extensionNotice)
        #expect(after.request.status == .inProgress)
        #expect(
            try await h.store.pendingMessages(limit: 100, now: .distantFuture).filter {
                $0.message.kind == .extensionNotice
            }.count == notices.count
        )
    }
}

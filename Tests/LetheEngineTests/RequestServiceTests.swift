import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

/// A clock the test moves forward.
final class TestClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Date
    init(_ instant: Date) { self.instant = instant }
    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return instant
    }
    func advance(_ seconds: TimeInterval) {
        lock.lock()
        instant = instant.addingTimeInterval(seconds)
        lock.unlock()
    }
    func set(_ date: Date) {
        lock.lock()
        instant = date
        lock.unlock()
    }
}

/// A request service on a fresh store with one known customer (UK GDPR, so months and bank holidays apply).
struct RequestHarness {
    let folder = temporaryFolder("lethe-requests")
    let store: SQLStore
    let vault: KeyVault
    let clock = TestClock(.iso("2026-09-03T09:00:00Z"))
    let requests: RequestService
    let accounts: AccountService
    let customer: AccountID

    init(seed: UInt64 = 1, faults: StoreFaults = StoreFaults()) async throws {
        vault = KeyVault(keyring: try MasterKeyring.generate())
        store = try await TestBackend.openStore(folder: folder, vault: vault, faults: faults)
        let policies = try ShippedPolicies.load()
        requests = RequestService(
            store: store,
            vault: vault,
            policies: policies,
            clock: clock,
            random: SeededRandomSource(seed: seed)
        )
        accounts = AccountService(
            store: store,
            vault: vault,
            policies: policies,
            clock: clock,
            random: SeededRandomSource(seed: seed + 100),
            hasher: PasswordHasher(logN: 10)
        )
        customer = try await accounts.create(
            AccountApplication(
                fullName: "Honora Wrenfield",
                email: "honora.w@example.org",
                dateOfBirth: .d("1984-06-30"),
                residence: "uk-gdpr",
                addresses: [
                    PostalAddress(
                        label: "home",
                        line1: "2 Juniper Mews",
                        city: "Exampleton",
                        postalCode: "EX2 3AB",
                        country: "GB"
                    )
                ],
                securityAnswer: "Pemberton"
            ),
            by: "agent-1"
        )
    }

    func close() { try? FileManager.default.removeItem(atPath: folder) }

    /// The six digits of the newest code message for a request, as the customer would read it.
    func lastCode(_ id: RequestID) async throws -> String? {
        try await store.pendingMessages(limit: 1000, now: .distantFuture)
            .last { $0.message.kind == .verificationCode && $0.message.parameters["request"] == id.rawValue }?
            .message.parameters["code"]
    }

    func submit(
        _ kind: RequestKind = .export,
        key: String? = nil,
        email: String? = nil,
        account: Bool = true
    ) async throws -> IntakeReceipt {
        try await requests.submit(
            RequestSubmission(
                kind: kind,
                accountID: account ? customer : nil,
                email: email,
                channel: .web,
                idempotencyKey: key
            )
        )
    }
}

@Suite("Request intake and lifecycle")
struct RequestServiceTests {
    @Test("Intake stores the request with its deadlines, sends a code and an acknowledgement, and audits it")
    func intake() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let receipt = try await h.submit()
        guard case .created(let id) = receipt.outcome else { throw RequestError.illegal("expected a new request") }
        #expect(receipt.status == .awaitingVerification)
        #expect(receipt.schedule.response.due == .d("2026-10-05"))  // 3 Oct 2026 is a Saturday
        let stored = try #require(try await h.store.request(id))
        #expect(stored.requesterEmail == "honora.w@example.org")
        #expect(stored.request.events.map(\.to) == [.awaitingVerification])
        let kinds = try await h.store.pendingMessages(limit: 100, now: .distantFuture).map(\.message.kind)
        #expect(kinds.contains(.verificationCode) && kinds.contains(.receiptAcknowledgement))
        #expect(try await h.store.deadlineHistory(id).map(\.cause) == ["received"])
        let audit = try await h.store.auditEntries(subjectType: "request", subjectID: id.rawValue)
        #expect(audit.map(\.event.action) == ["request.received", "request.awaiting-verification"])
        #expect(try await h.store.firstBrokenAuditEntry() == nil)
    }

    @Test(
        "The same idempotency key returns the same request; a second open request of a kind is linked, not duplicated"
    )
    func idempotentIntake() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let first = try await h.submit(key: "form-123")
        let again = try await h.submit(key: "form-123")
        #expect(again.outcome == .repeated(first.outcome.requestID))
        let second = try await h.submit(key: "form-456")
        #expect(second.outcome == .linked(first.outcome.requestID))
        let third = try await h.submit(key: "form-456")
        #expect(third.outcome == .repeated(first.outcome.requestID))
        #expect(try await h.requests.list(RequestQuery()).count == 1)
        #expect(try await h.store.request(first.outcome.requestID)?.linkedSubmissions == 1)
        // A different kind is its own request.
        let deletion = try await h.submit(.deletion)
        guard case .created = deletion.outcome else {
            Issue.record("a deletion beside an open export is a new request")
            return
        }
    }

    @Test("A request about an unknown person is recorded, sealed under its own key, and answered")
    func unknownPerson() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let receipt = try await h.requests.submit(
            RequestSubmission(kind: .export, email: "stranger@example.net", channel: .email, jurisdiction: "us-ca")
        )
        let stored = try #require(try await h.store.request(receipt.outcome.requestID))
        #expect(stored.request.accountID == nil)
        #expect(stored.subjectID == receipt.outcome.requestID.rawValue)
        #expect(stored.requesterEmail == "stranger@example.net")
        await #expect(throws: RequestError.needsJurisdiction) {
            _ = try await h.requests.submit(
                RequestSubmission(kind: .export, email: "other@example.net", channel: .email)
            )
        }
    }

    @Test("A right code verifies; a wrong one counts; five wrong lock it; an expired one is refused")
    func codes() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        let code = try #require(try await h.lastCode(id))
        #expect(code.count == 6)
        let wrong = code == "000000" ? "111111" : "000000"
        #expect(try await h.requests.verifyCode(id, code: wrong) == false)
        #expect(try await h.requests.verifyCode(id, code: code))
        #expect(try await h.store.request(id)?.request.status == .verified)
        await #expect(throws: RequestError.noCodePending) { try await h.requests.verifyCode(id, code: code) }

        let locked = try await h.submit(.deletion).outcome.requestID
        for _ in 0..<4 { #expect(try await h.requests.verifyCode(locked, code: wrong) == false) }
        await #expect(throws: RequestError.codeLocked) { try await h.requests.verifyCode(locked, code: wrong) }
        let right = try #require(try await h.lastCode(locked))
        await #expect(throws: RequestError.codeLocked) { try await h.requests.verifyCode(locked, code: right) }

        let expiring = try await h.submit(.deactivation).outcome.requestID
        let fresh = try #require(try await h.lastCode(expiring))
        h.clock.advance(15 * 60 + 1)
        await #expect(throws: RequestError.codeExpired) { try await h.requests.verifyCode(expiring, code: fresh) }
    }

    @Test("Conflicting or unverifiable requests go to the supervisor queue")
    func supervisorQueue() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let conflicting = try await h.requests.submit(
            RequestSubmission(kind: .export, accountID: h.customer, email: "someone.else@example.net", channel: .email)
        )
        let id = conflicting.outcome.requestID
        #expect(try await h.store.request(id)?.assignee == "supervisors")
        #expect(try await h.store.alerts(id).map(\.threshold) == ["conflict"])
        #expect(try await h.requests.list(RequestQuery(assignee: "supervisors")).map(\.id) == [id])

        let locked = try await h.submit(.deletion).outcome.requestID
        let right = try #require(try await h.lastCode(locked))
        let wrong = right == "000000" ? "111111" : "000000"
        for _ in 0..<4 { _ = try await h.requests.verifyCode(locked, code: wrong) }
        await #expect(throws: RequestError.codeLocked) { try await h.requests.verifyCode(locked, code: wrong) }
        #expect(try await h.store.alerts(locked).map(\.threshold) == ["unverifiable"])
        #expect(try await h.store.request(locked)?.assignee == "supervisors")
    }

    @Test("Code resends are rate-limited per customer")
    func resendLimit() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        try await h.requests.resendCode(id)
        try await h.requests.resendCode(id)
        await #expect(throws: RequestError.rateLimited) { try await h.requests.resendCode(id) }
        h.clock.advance(3601)
        try await h.requests.resendCode(id)
    }

    @Test("Opt-outs under the CCPA need no verification: verified at intake")
    func noVerificationWhereTheLawForbidsIt() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                deadlineKind: .optOutOfSale,
                email: "anyone@example.net",
                channel: .optOutSignal,
                jurisdiction: "us-ca"
            )
        )
        // Verified at intake without a check, and, being an opt-out, applied at once.
        #expect(receipt.status == .completed)
        let stored = try #require(try await h.store.request(receipt.outcome.requestID))
        #expect(stored.request.events.map(\.to) == [.verified, .completed])
        #expect(stored.request.events.first?.reason?.contains("§7026") == true)
        #expect(try await h.store.verificationCode(receipt.outcome.requestID.rawValue) == nil)
    }

    @Test("Every lifecycle path through the service, with illegal moves refused and nothing changed")
    func lifecycle() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        await #expect(throws: RequestError.self) { try await h.requests.approve(id, by: "officer-1") }
        let verification = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "pemberton", by: "agent-2")
        )
        try await h.requests.verify(id, with: verification, by: "officer-1")
        try await h.requests.approve(id, by: "officer-1")
        #expect(try await h.store.jobCounts()[.ready] == 1)
        try await h.requests.complete(id, by: .system("worker"), summary: "Your export is ready")
        await #expect(throws: RequestError.self) { try await h.requests.cancel(id, reason: "too late", by: .customer) }
        let done = try #require(try await h.store.request(id))
        #expect(done.request.events.map(\.to) == [.awaitingVerification, .verified, .inProgress, .completed])
        #expect(done.completedAt != nil)

        let denied = try await h.submit(.deletion).outcome.requestID
        await #expect(throws: RequestError.reasonRequired("a denial")) {
            try await h.requests.deny(denied, basis: .exemption, reason: " ", by: .staff("officer-1"))
        }
        try await h.requests.deny(
            denied,
            basis: .exemption,
            reason: "Invoices must be kept for 6 years (tax law).",
            by: .staff("officer-1")
        )
        let denial = try #require(try await h.store.pendingMessages(limit: 100, now: .distantFuture).last)
        #expect(denial.message.kind == .requestDenied)
        #expect(denial.message.parameters["complain-to"] == "Information Commissioner's Office")
        // The customer reads the basis in words, never its slug.
        let mail = (h.folder as NSString).appendingPathComponent("denial-mail")
        _ = try await OutboxDispatcher(
            store: h.store,
            transport: MailFolderTransport(folder: mail),
            clock: h.clock,
            officerAddress: "o@example.invalid"
        ).dispatch(limit: 100)
        let texts = try FileManager.default.contentsOfDirectory(atPath: mail).map {
            try String(contentsOfFile: (mail as NSString).appendingPathComponent($0), encoding: .utf8)
        }
        let denialMail = try #require(texts.first { $0.contains("X-Lethe-Kind: request-denied") })
        #expect(denialMail.contains("the law exempts this data from the request"))
        #expect(!denialMail.contains("(exemption)"))

        let cancelled = try await h.submit(.deactivation).outcome.requestID
        try await h.requests.cancel(cancelled, reason: "Changed my mind", by: .customer)
        #expect(try await h.store.request(cancelled)?.request.status == .cancelled)
    }

    @Test("Extension: from the original receipt, with a notice and reason; too late is refused; history kept")
    func extensions() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        let verification = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "a")
        )
        try await h.requests.verify(id, with: verification, by: "officer-1")
        h.clock.set(.iso("2026-09-20T10:00:00Z"))
        try await h.requests.extend(id, reason: "Records in six systems", by: "officer-1")
        let stored = try #require(try await h.store.request(id))
        #expect(stored.schedule.extended?.due == .d("2026-12-03"))
        #expect(stored.extensionNotice?.reason == "Records in six systems")
        #expect(try await h.store.deadlineHistory(id).map(\.cause).count == 2)
        let notice = try #require(try await h.store.pendingMessages(limit: 100, now: .distantFuture).last)
        #expect(notice.message.kind == .extensionNotice)

        let late = try await h.submit(.deletion).outcome.requestID
        try await h.requests.verify(late, with: verification, by: "officer-1")
        h.clock.set(.iso("2026-10-21T10:00:00Z"))
        await #expect {
            try await h.requests.extend(late, reason: "busy", by: "officer-1")
        } throws: { error in
            "\(error)".contains("too late")
        }
        #expect(try await h.store.request(late)?.request.status == .verified)
    }

    @Test("Stopping the clock for clarification adds the paused days, both ends counted, then rolls")
    func pauseAndResume() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        h.clock.set(.iso("2026-11-14T10:00:00Z"))
        let id = try await h.submit().outcome.requestID
        h.clock.set(.iso("2026-11-16T10:00:00Z"))
        try await h.requests.pause(id, reason: .clarification, by: "officer-1")
        await #expect(throws: RequestError.alreadyPaused) {
            try await h.requests.pause(id, reason: .clarification, by: "officer-1")
        }
        h.clock.set(.iso("2026-12-16T10:00:00Z"))
        try await h.requests.resume(id, by: "officer-1")
        let stored = try #require(try await h.store.request(id))
        #expect(stored.schedule.pausedDays == 31)
        #expect(stored.schedule.response.due == .d("2027-01-14"))
        #expect(try await h.store.deadlineHistory(id).last?.cause == "clock restarted: 31 days paused")
        await #expect(throws: RequestError.notPaused) { try await h.requests.resume(id, by: "officer-1") }
        // UK identity checks restart the clock instead; they are not a pause.
        await #expect(throws: RequestError.self) { try await h.requests.pause(id, reason: .identity, by: "officer-1") }
    }

    @Test("Due-soon alerts at 7, 3 and 1 days (the last to a supervisor), overdue flagged, each raised once")
    func escalation() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID  // due 2026-10-05
        let verification = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "a")
        )
        try await h.requests.verify(id, with: verification, by: "officer-1")
        for (date, expected) in [
            ("2026-09-27T09:00:00Z", [String]()), ("2026-09-28T09:00:00Z", ["due-7"]),
            ("2026-10-02T09:00:00Z", ["due-7", "due-3"]),
            ("2026-10-04T09:00:00Z", ["due-7", "due-3", "due-1"]),
            ("2026-10-06T09:00:00Z", ["due-7", "due-3", "due-1", "overdue"]),
        ] {
            h.clock.set(.iso(date))
            _ = try await h.requests.watch()
            _ = try await h.requests.watch()
            let alerts = try await h.store.alerts(id)
            #expect(alerts.map(\.threshold) == expected, "on \(date)")
        }
        let levels = Dictionary(uniqueKeysWithValues: try await h.store.alerts(id).map { ($0.threshold, $0.level) })
        #expect(levels == ["due-7": "officer", "due-3": "officer", "due-1": "supervisor", "overdue": "supervisor"])
    }

    @Test("A request still unverified when its window ends is denied as unverifiable, not left hanging")
    func unverifiableDenied() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        h.clock.set(.iso("2026-09-24T09:00:00Z"))
        #expect(try await h.requests.watch().deniedUnverifiable.isEmpty)
        h.clock.set(.iso("2026-09-25T09:00:00Z"))
        #expect(try await h.requests.watch().deniedUnverifiable == [id])
        let stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .denied)
        #expect(stored.request.events.last?.denialReason == .unverifiable)
    }

    @Test("Two officers acting on the same view: the second is refused and changes nothing (compare-and-set)")
    func concurrentActions() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        let verification = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "a")
        )
        try await h.requests.verify(id, with: verification, by: "officer-1")
        // Both officers loaded the request while it was verified.
        var seenByFirst = try #require(try await h.store.request(id)).request
        var seenBySecond = seenByFirst
        let approve = try seenByFirst.transition(
            to: .inProgress,
            actor: .staff("officer-1"),
            at: h.clock.now(),
            reason: "go"
        )
        let deny = try seenBySecond.transition(
            to: .denied,
            actor: .staff("officer-2"),
            at: h.clock.now(),
            reason: "duplicate",
            denialReason: .other
        )
        try await h.store.updateRequest(id, expecting: .verified, RequestUpdate(event: approve))
        await #expect(throws: StoreError.self) {
            try await h.store.updateRequest(id, expecting: .verified, RequestUpdate(event: deny))
        }
        let stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .inProgress)
        #expect(stored.request.events.map(\.to) == [.awaitingVerification, .verified, .inProgress])
    }
}

@Suite("Authorized agents")
struct AuthorizedAgentTests {
    func agentRequest(_ h: RequestHarness) async throws -> RequestID {
        try await h.requests.submit(
            RequestSubmission(
                kind: .deletion,
                accountID: h.customer,
                email: "agent-inbox@agents.example",
                channel: .authorizedAgent,
                agentID: "agent:consumer-rights-co"
            )
        ).outcome.requestID
    }

    @Test("The confirmation code goes to the customer, not the agent; verified only with permission and confirmation")
    func needsBoth() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await agentRequest(h)
        let messages = try await h.store.pendingMessages(limit: 100, now: .distantFuture)
        let confirmation = try #require(messages.last { $0.message.kind == .agentConfirmation })
        #expect(confirmation.message.recipient == "honora.w@example.org")
        #expect(
            !messages.contains {
                $0.message.kind == .verificationCode && $0.message.recipient == "agent-inbox@agents.example"
            }
        )
        let code = try #require(confirmation.message.parameters["code"])
        // The customer confirms first: not yet verified, because the agent's permission is not on file.
        #expect(try await h.requests.verifyCode(id, code: code))
        var stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .awaitingVerification)
        #expect(stored.customerConfirmedAt != nil)
        await #expect(throws: RequestError.reasonRequired("an agent's permission")) {
            try await h.requests.recordAgentPermission(id, proof: "  ", by: "officer-1")
        }
        try await h.requests.recordAgentPermission(
            id,
            proof: "Signed authorisation DOC-2026-118, checked",
            by: "officer-1"
        )
        stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .verified)
        #expect(stored.agentPermission == "Signed authorisation DOC-2026-118, checked")
        #expect(stored.request.events.last?.reason?.contains("confirmed by the customer") == true)
        let actions = try await h.store.auditEntries(subjectType: "request", subjectID: id.rawValue).map(\.event.action)
        #expect(actions.contains("request.customer-confirmed") && actions.contains("request.agent-permission"))
    }

    @Test("Permission first, confirmation second, also verifies; an agent must be named")
    func permissionFirst() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await agentRequest(h)
        try await h.requests.recordAgentPermission(id, proof: "Power of attorney reference POA-7", by: "officer-1")
        #expect(try await h.store.request(id)?.request.status == .awaitingVerification)
        let code = try #require(
            try await h.store.pendingMessages(limit: 100, now: .distantFuture).last {
                $0.message.kind == .agentConfirmation
            }?
            .message.parameters["code"]
        )
        #expect(try await h.requests.verifyCode(id, code: code))
        #expect(try await h.store.request(id)?.request.status == .verified)
        await #expect(throws: RequestError.agentRequired) {
            _ = try await h.requests.submit(
                RequestSubmission(kind: .export, accountID: h.customer, channel: .authorizedAgent)
            )
        }
    }

    @Test("An agent's request for someone without an account goes to a supervisor")
    func unknownPersonViaAgent() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.requests.submit(
            RequestSubmission(
                kind: .export,
                email: "unknown@example.net",
                channel: .authorizedAgent,
                jurisdiction: "us-ca",
                agentID: "agent:x"
            )
        ).outcome.requestID
        #expect(try await h.store.alerts(id).map(\.threshold) == ["agent-unconfirmable"])
    }
}

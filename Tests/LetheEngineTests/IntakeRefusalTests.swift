import Foundation
import LetheCore
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

/// Intake refuses, before anything is stored, what would bend the statutory clock or the identity check.
@Suite("Intake refusals")
struct IntakeRefusalTests {
    /// Every pairing of a request kind with a clock outside its table, e.g. a deletion on the unsubscribe clock.
    static let forbiddenPairs: [(RequestKind, DeadlineKind)] = RequestKind.allCases.flatMap { kind in
        DeadlineKind.allCases.filter { !kind.allowedDeadlineKinds.contains($0) }.map { (kind, $0) }
    }

    @Test("a request cannot run on another kind's clock, so it cannot skip verification", arguments: forbiddenPairs)
    func clockMustBelongToTheKind(kind: RequestKind, clock: DeadlineKind) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        await #expect(throws: RequestError.deadlineKindNotAllowed(kind, clock)) {
            try await h.requests.submit(
                RequestSubmission(
                    kind: kind,
                    deadlineKind: clock,
                    accountID: h.customer,
                    channel: .web,
                    consentChanges: kind == .consentChange ? ["marketing-email": false] : [:]
                )
            )
        }
        #expect(try await h.store.listRequests(RequestQuery()).isEmpty)
    }

    @Test("a deletion on the unsubscribe clock is refused with the clocks it may use")
    func messageNamesTheAllowedClocks() {
        let error = RequestError.deadlineKindNotAllowed(.deletion, .marketingUnsubscribe)
        #expect(error.description.contains("allowed: deletion"))
    }

    /// Every allowed pairing, each with a shipped jurisdiction that sets that clock.
    static let allowedPairs: [(RequestKind, DeadlineKind, String)] = {
        let policies = try? ShippedPolicies.load()
        return RequestKind.allCases.flatMap { kind in
            kind.allowedDeadlineKinds.compactMap { clock in
                let jurisdiction = policies?.jurisdictions.values.filter { $0.rules[clock] != nil }.map(\.id).min()
                return jurisdiction.map { (kind, clock, $0) }
            }
        }
    }()

    @Test("every allowed clock of every kind is accepted", arguments: allowedPairs)
    func allowedClocksWork(kind: RequestKind, clock: DeadlineKind, jurisdiction: String) async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        // An appeal needs a refused request under a law that grants one.
        let refused = kind == .appeal ? try await p.refused(jurisdiction: jurisdiction) : nil
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: kind,
                deadlineKind: clock,
                accountID: h.customer,
                channel: .web,
                jurisdiction: jurisdiction,
                consentChanges: kind == .consentChange ? ["marketing-email": false] : [:],
                correction: kind == .correction ? Correction(.fullName("Honora Wrenfield-Ames")) : nil,
                appealOf: refused
            )
        )
        #expect(try await h.store.request(receipt.outcome.requestID)?.request.deadlineKind == clock)
    }

    @Test("the table covers every request kind and every clock is used by some kind")
    func tableIsComplete() {
        #expect(Self.allowedPairs.count == RequestKind.allCases.map(\.allowedDeadlineKinds.count).reduce(0, +))
        let used = Set(RequestKind.allCases.flatMap(\.allowedDeadlineKinds))
        #expect(Set(DeadlineKind.allCases).subtracting(used).isEmpty)
    }

    @Test("a time of receipt later than now, beyond the clock skew, is refused; within it, accepted")
    func receivedInTheFuture() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        await #expect(throws: RequestError.receivedInFuture(skewSeconds: 300)) {
            try await h.requests.submit(
                RequestSubmission(
                    kind: .export,
                    accountID: h.customer,
                    channel: .web,
                    receivedAt: h.clock.now().addingTimeInterval(7 * 86_400)
                )
            )
        }
        #expect(try await h.store.listRequests(RequestQuery()).isEmpty)
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .export,
                accountID: h.customer,
                channel: .web,
                receivedAt: h.clock.now().addingTimeInterval(60)
            )
        )
        #expect(receipt.outcome.requestID.rawValue.hasPrefix("R-"))
    }

    @Test("an email with a control character is refused", arguments: ["a\u{0}b@example.org", "ab@exa\u{7}mple.org"])
    func controlCharactersInEmail(email: String) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        await #expect(throws: RequestError.invalidEmail) {
            try await h.requests.submit(
                RequestSubmission(kind: .export, email: email, channel: .web, jurisdiction: "uk-gdpr")
            )
        }
    }
}

@Suite("Account field checks")
struct AccountFieldCheckTests {
    static func application(
        name: String = "Ada Field",
        email: String = "ada.field@example.org",
        birth: String? = "1980-01-02",
        line1: String = "1 Test Row"
    ) -> AccountApplication {
        AccountApplication(
            fullName: name,
            email: email,
            dateOfBirth: birth.flatMap(LocalDate.init),
            residence: "uk-gdpr",
            addresses: [
                PostalAddress(label: "home", line1: line1, city: "Exampleton", postalCode: "EX1 1AA", country: "GB")
            ]
        )
    }

    @Test(
        "impossible or malformed personal values are refused, naming the field only",
        arguments: [
            (application(birth: "2999-01-01"), "date-of-birth"),
            (application(birth: "1850-05-05"), "date-of-birth"),
            (application(name: "Ada\u{0}Field"), "full-name"),
            (application(email: "ada\u{0}@example.org"), "email"),
            (application(line1: "1 Test\u{1B}Row"), "address.line1"),
        ]
    )
    func refused(application: AccountApplication, field: String) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        do {
            _ = try await h.accounts.create(application, by: "agent-1")
            Issue.record("accepted \(field)")
        } catch let error as AccountError {
            guard case .invalid(let named, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(named == field)
            #expect(!error.description.contains("Ada"))
        }
    }

    @Test("today's date of birth and an ordinary application are accepted")
    func accepted() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        _ = try await h.accounts.create(Self.application(birth: "2026-09-03"), by: "agent-1")
    }
}

@Suite("Staff-side identity checks")
struct IdentityCheckLimitTests {
    @Test("after five wrong answers in an hour every check is refused, the right one too; an hour later it opens")
    func wrongAnswersLock() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        for _ in 0..<AccountService.maxIdentityCheckFailuresPerHour {
            #expect(try await h.accounts.verifySecurityAnswer(h.customer, answer: "wrong guess", by: "agent-1") == nil)
        }
        await #expect(throws: AccountError.identityChecksLocked(h.customer)) {
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "agent-1")
        }
        await #expect(throws: AccountError.identityChecksLocked(h.customer)) {
            try await h.accounts.verifyDateOfBirthAndAddress(
                h.customer,
                dateOfBirth: .d("1984-06-30"),
                postalCode: "EX2 3AB",
                by: "agent-1"
            )
        }
        h.clock.advance(3601)
        #expect(try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "agent-1") != nil)
    }

    @Test("a right answer clears the count, so an agent's typo now and then never locks a customer out")
    func successClears() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        for _ in 0..<3 {
            for _ in 0..<(AccountService.maxIdentityCheckFailuresPerHour - 1) {
                _ = try await h.accounts.verifySecurityAnswer(h.customer, answer: "typo", by: "agent-1")
            }
            #expect(try await h.accounts.verifySecurityAnswer(h.customer, answer: "pemberton", by: "agent-1") != nil)
        }
    }
}

@Suite("Code limits")
struct CodeLimitTests {
    /// The sign-in codes in the outbox, addressed to the harness customer.
    static func signInCodes(_ h: RequestHarness) async throws -> Int {
        try await h.store.pendingMessages(limit: 500, now: .distantFuture).filter { $0.message.kind == .signInCode }
            .count
    }

    @Test("asking for requests does not use up sign-in codes: each has its own hourly limit")
    func signInCodesHaveTheirOwnLimit() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        // Three requests in the hour, each with a verification code: the request limit is reached.
        for kind in [RequestKind.export, .deletion, .deactivation] {
            _ = try await h.requests.submit(RequestSubmission(kind: kind, accountID: h.customer, channel: .web))
        }
        let access = AccessService(store: h.store, vault: h.vault, clock: h.clock)
        try await access.sendCustomerCode(email: "honora.w@example.org")
        #expect(try await Self.signInCodes(h) == 1)
        // The sign-in limit is its own: three an hour, then none until the hour has passed.
        try await access.sendCustomerCode(email: "honora.w@example.org")
        try await access.sendCustomerCode(email: "honora.w@example.org")
        try await access.sendCustomerCode(email: "honora.w@example.org")
        #expect(try await Self.signInCodes(h) == 3)
        h.clock.advance(3601)
        try await access.sendCustomerCode(email: "honora.w@example.org")
        #expect(try await Self.signInCodes(h) == 4)
    }
}

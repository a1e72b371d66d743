import Foundation
import LetheCore
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

@Suite("Consent changes")
struct ConsentTests {
    @Test("A withdrawal takes effect at intake: ledger entry, request completed, customer told")
    func withdrawalAtOnce() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        try await h.store.appendConsent(
            h.customer,
            ConsentRecord(
                purpose: "marketing-email",
                granted: true,
                source: "customer",
                sourceDetail: nil,
                noticeVersion: "2026-01",
                at: h.clock.now()
            )
        )
        h.clock.advance(60)
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                accountID: h.customer,
                channel: .web,
                consentChanges: ["marketing-email": false]
            )
        )
        let stored = try #require(try await h.store.request(receipt.outcome.requestID))
        #expect(stored.request.status == .completed)
        #expect(stored.request.events.map(\.to) == [.verified, .completed])
        let ledger = try await h.store.consents(h.customer)
        #expect(ledger.map(\.granted) == [true, false])
        #expect(ledger.last?.source == "customer")
        #expect(ledger.last?.noticeVersion == "2026-01")  // from Policies/purposes.yaml
        #expect(
            try await h.store.pendingMessages(limit: 100, now: .distantFuture).last?.message.kind == .requestCompleted
        )
    }

    @Test("A consent change held for a supervisor takes effect when an officer approves it")
    func approvedAfterConflict() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        // The email given is not the account's: the change waits for a supervisor instead of applying.
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                accountID: h.customer,
                email: "someone.else@example.org",
                channel: .web,
                consentChanges: ["marketing-email": false]
            )
        )
        let id = receipt.outcome.requestID
        #expect(try await h.store.consents(h.customer).isEmpty)
        try await h.requests.approve(id, by: "officer-1")
        #expect(try await p.runner.runOnce() == JobRunReport(completed: 1))
        #expect(try await h.store.request(id)?.request.status == .completed)
        #expect(try await h.store.consents(h.customer).map(\.granted) == [false])
        #expect(try await h.store.jobCounts() == [.done: 1])
    }

    @Test("A Global Privacy Control signal withdraws every purpose the policy marks, with source gpc-signal")
    func gpcSignal() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                deadlineKind: .optOutOfSale,
                email: "honora.w@example.org",
                channel: .optOutSignal,
                jurisdiction: "us-ca"
            )
        )
        #expect(try await h.store.request(receipt.outcome.requestID)?.request.status == .completed)
        let ledger = try await h.store.consents(h.customer)
        #expect(Set(ledger.map(\.purpose)) == ["analytics", "third-party-sharing", "sale-or-sharing"])
        #expect(ledger.allSatisfy { !$0.granted && $0.source == "gpc-signal" })
    }

    @Test("Purposes come from the policy; an empty or unknown change is refused")
    func validation() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        await #expect(throws: RequestError.noConsentChange) {
            _ = try await h.requests.submit(
                RequestSubmission(kind: .consentChange, accountID: h.customer, channel: .web)
            )
        }
        await #expect(throws: RequestError.self) {
            _ = try await h.requests.submit(
                RequestSubmission(
                    kind: .consentChange,
                    accountID: h.customer,
                    channel: .web,
                    consentChanges: ["telepathy": false]
                )
            )
        }
        #expect(try await h.store.consents(h.customer).isEmpty)
    }
}

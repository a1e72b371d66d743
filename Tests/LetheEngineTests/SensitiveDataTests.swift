import Foundation
import LetheCore
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

@Suite("Limiting the use of sensitive personal information")
struct SensitiveDataTests {
    @Test("under the CCPA a limit runs on its own 15-business-day clock, needs no code, and is counted as a limit")
    func californiaLimit() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                accountID: h.customer,
                channel: .web,
                jurisdiction: "us-ca",
                consentChanges: ["sensitive-use": false]
            )
        )
        let stored = try #require(try await h.store.request(receipt.outcome.requestID))
        #expect(stored.request.deadlineKind == .limitSensitiveUse)
        #expect(stored.schedule.response.period == "15 business days")
        #expect(stored.schedule.response.citation.contains("§1798.121"))
        #expect(stored.request.status == .completed)  // applied at once; nobody asked who they are
        let latest = try await h.store.consents(h.customer).last { $0.purpose == "sensitive-use" }
        #expect(latest?.granted == false)
        let metrics = try await CCPAMetrics.compile(year: 2026, jurisdiction: "us-ca", store: h.store)
        #expect(metrics.rows.first { $0.kind == .limit }?.received == 1)
        #expect(metrics.rows.first { $0.kind == .limit }?.compliedInWholeOrInPart == 1)
    }

    @Test(
        "a limit under a law without that clock, or mixed with other changes, runs on the kind's own clock",
        arguments: [
            ("uk-gdpr", ["sensitive-use": false]),
            ("us-ca", ["sensitive-use": false, "marketing-email": false]),
            ("us-ca", ["sensitive-use": true]),
        ]
    )
    func otherwiseTheDefaultClock(jurisdiction: String, changes: [String: Bool]) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                accountID: h.customer,
                channel: .web,
                jurisdiction: jurisdiction,
                consentChanges: changes
            )
        )
        #expect(try await h.store.request(receipt.outcome.requestID)?.request.deadlineKind == .consentWithdrawal)
    }

    @Test("the fields the classification marks sensitive are the account credentials and the card number")
    func classifiedSensitive() throws {
        let sensitive = try ShippedPolicies.load().fields.filter(\.sensitive).map { "\($0.record).\($0.field)" }
        #expect(Set(sensitive) == ["account.password-hash", "account.security-answer", "payment-method.card-number"])
    }
}

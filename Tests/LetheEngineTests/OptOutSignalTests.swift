import Foundation
import LetheCore
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

@Suite("Opt-out preference signals by state and date")
struct OptOutSignalTests {
    /// Every state whose law (or regulation) makes the Global Privacy Control signal an opt-out, as the
    /// policies list them; California's duty dates from 2020, before the calendars Lethe ships, so its
    /// boundary is checked on the rule alone below.
    static let states = [
        "us-co", "us-ct", "us-tx", "us-or", "us-mt", "us-de", "us-ne", "us-nh", "us-nj", "us-md", "us-mn",
    ]

    static func noon(_ day: LocalDate) -> Date { .iso("\(day)T17:00:00Z") }

    @Test("the policies list exactly the states that require honouring the signal")
    func listedStates() throws {
        let policies = try ShippedPolicies.load()
        let listed = policies.jurisdictions.values.filter { $0.optOutSignalFrom != nil }.map(\.id).sorted()
        #expect(listed == (Self.states + ["us-ca"]).sorted())
        let california = try #require(policies.jurisdictions["us-ca"])
        #expect(!california.requiresOptOutSignal(on: .d("2020-08-13")))
        #expect(california.requiresOptOutSignal(on: .d("2020-08-14")))
    }

    @Test(
        "a signal the day before the state's date records nothing; on the date it is an opt-out, unverified",
        arguments: states
    )
    func fromTheStatesDate(state: String) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let from = try #require(try ShippedPolicies.load().jurisdictions[state]?.optOutSignalFrom?.date)
        h.clock.set(Self.noon(from.adding(days: -1)))
        let customer = try await h.accounts.create(
            AccountApplication(fullName: "Sam Signal", email: "sam.\(state)@example.org", residence: state),
            by: "agent-1"
        )
        #expect(
            try await h.requests.honourOptOutSignal(from: customer)
                == .notRequired(
                    law: try #require(
                        try ShippedPolicies.load().jurisdictions[state]?.name
                    )
                )
        )
        #expect(try await h.requests.list(RequestQuery(statuses: nil, accountID: customer)).isEmpty)

        h.clock.set(Self.noon(from))
        guard case .honoured(let id, _, let citation) = try await h.requests.honourOptOutSignal(from: customer) else {
            Issue.record("the signal was not honoured on \(from) under \(state)")
            return
        }
        #expect(!citation.isEmpty)
        let stored = try #require(try await h.store.request(id))
        #expect(stored.channel == .optOutSignal)
        #expect(stored.request.deadlineKind == .optOutOfSale)
        #expect(stored.request.events.first?.to == .verified)  // never asked to prove who they are
        let withdrawn = Set(try await h.store.consents(customer).filter { !$0.granted }.map(\.purpose))
        #expect(!withdrawn.isEmpty)
        // Once opted out, a later signal finds nothing new to record.
        h.clock.advance(86_400)
        guard case .alreadyOptedOut = try await h.requests.honourOptOutSignal(from: customer) else {
            Issue.record("a second signal recorded another opt-out")
            return
        }
    }

    @Test("a state whose law does not make the signal an opt-out records nothing")
    func virginia() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let customer = try await h.accounts.create(
            AccountApplication(fullName: "Val Signal", email: "val@example.org", residence: "us-va"),
            by: "agent-1"
        )
        guard case .notRequired = try await h.requests.honourOptOutSignal(from: customer) else {
            Issue.record("Virginia's law does not make the signal an opt-out")
            return
        }
        #expect(try await h.store.consents(customer).isEmpty)
    }
}

@Suite("Quebec: silence past the deadline is a refusal")
struct DeemedRefusalTests {
    @Test("the customer is told once, with the Commission to apply to; the request stays open; other laws send nothing")
    func toldOnce() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let quebec = try await h.requests.submit(
            RequestSubmission(kind: .export, accountID: h.customer, channel: .web, jurisdiction: "ca-qc")
        ).outcome.requestID
        let british = try await h.requests.submit(
            RequestSubmission(kind: .deletion, accountID: h.customer, channel: .web)
        ).outcome.requestID
        let verification = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "a")
        )
        try await h.requests.verify(quebec, with: verification, by: "officer-1")
        try await h.requests.verify(british, with: verification, by: "officer-1")
        let due = try #require(try await h.store.request(quebec)?.schedule.binding.due)
        // On the due date itself: not yet.
        h.clock.set(.iso("\(due)T16:00:00Z"))
        #expect(try await h.requests.watch().deemedRefusals.isEmpty)
        // The day after (in Quebec's time zone): told, once however often the watch runs.
        h.clock.set(.iso("\(due.adding(days: 1))T16:00:00Z"))
        #expect(try await h.requests.watch().deemedRefusals == [quebec])
        #expect(try await h.requests.watch().deemedRefusals.isEmpty)
        let notices = try await h.store.pendingMessages(limit: 500, now: .distantFuture).filter {
            $0.message.kind == .deemedRefusal
        }
        #expect(notices.count == 1)
        #expect(notices.first?.message.parameters["request"] == quebec.rawValue)
        #expect(notices.first?.message.parameters["complain-to"] == "Commission d'accès à l'information du Québec")
        #expect(notices.first?.message.parameters["citation"]?.contains("s.32") == true)
        #expect(try await h.store.request(quebec)?.request.status == .verified)
        let audit = try await h.store.auditEntries(subjectType: "request", subjectID: quebec.rawValue).map(
            \.event.action
        )
        #expect(audit.contains("request.deemed-refused"))
        // The UK GDPR has no such rule: an overdue request there raises staff alerts only.
        h.clock.set(.iso("2027-03-01T12:00:00Z"))
        #expect(try await h.requests.watch().deemedRefusals.isEmpty)
        #expect(try await h.store.alerts(british).contains { $0.threshold == "overdue" })
    }
}

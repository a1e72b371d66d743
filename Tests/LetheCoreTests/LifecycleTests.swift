import Foundation
import LetheCore
import LetheTestSupport
import Testing

@Suite("Privacy request lifecycle")
struct LifecycleTests {
    let start = Date.iso("2026-09-03T09:00:00Z")

    func newRequest() throws -> PrivacyRequest {
        PrivacyRequest(
            id: RequestID("REQ-1"),
            kind: .deletion,
            accountID: try AccountID("TR-04217"),
            jurisdictionID: "uk-gdpr",
            receivedAt: start
        )
    }

    @Test("The happy path records one event per transition with who, when and why")
    func happyPath() throws {
        var request = try newRequest()
        let officer = Actor.staff("officer-7")
        try request.transition(to: .awaitingVerification, actor: .system("intake"), at: start)
        try request.transition(to: .verified, actor: .customer, at: start.addingTimeInterval(600))
        try request.transition(to: .inProgress, actor: officer, at: start.addingTimeInterval(3600))
        try request.transition(
            to: .extended,
            actor: officer,
            at: start.addingTimeInterval(7200),
            reason: "Complex: six systems"
        )
        let last = try request.transition(to: .completed, actor: .system("worker"), at: start.addingTimeInterval(9000))
        #expect(request.status == .completed)
        #expect(request.events.map(\.to) == [.awaitingVerification, .verified, .inProgress, .extended, .completed])
        #expect(request.events[3].reason == "Complex: six systems")
        #expect(request.events[3].actor == officer)
        #expect(last.from == .extended)
        #expect(request.status.isTerminal)
    }

    static let allPairs: [(RequestStatus, RequestStatus)] = RequestStatus.allCases.flatMap { from in
        RequestStatus.allCases.map { (from, $0) }
    }

    /// Drives a fresh request to `status` along legal moves.
    func request(in status: RequestStatus) throws -> PrivacyRequest {
        var request = try newRequest()
        let paths: [RequestStatus: [RequestStatus]] = [
            .received: [], .awaitingVerification: [.awaitingVerification], .verified: [.verified],
            .inProgress: [.verified, .inProgress], .extended: [.verified, .extended],
            .completed: [.verified, .completed], .denied: [.denied], .cancelled: [.cancelled],
        ]
        for step in paths[status] ?? [] {
            try request.transition(
                to: step,
                actor: .staff("s"),
                at: start,
                reason: "because",
                denialReason: step == .denied ? .unverifiable : nil
            )
        }
        #expect(request.status == status)
        return request
    }

    @Test("Every move not in the table is refused and changes nothing", arguments: allPairs)
    func illegalMovesAreRefused(from: RequestStatus, to: RequestStatus) throws {
        var request = try request(in: from)
        let before = request
        let legal = from.allowedNext.contains(to)
        do {
            try request.transition(
                to: to,
                actor: .staff("s"),
                at: start,
                reason: "because",
                denialReason: to == .denied ? .exemption : nil
            )
            #expect(legal, "\(from) -> \(to) should have been refused")
            #expect(request.events.count == before.events.count + 1)
        } catch {
            #expect(!legal, "\(from) -> \(to) should be allowed: \(error)")
            #expect(request == before)
            #expect(error.description.contains(from.rawValue))
        }
    }

    @Test("A denial needs a legal basis and a reason; an extension and a cancellation need a reason")
    func reasonsAreRequired() throws {
        var request = try request(in: .verified)
        #expect(throws: IllegalTransition.self) {
            try request.transition(to: .denied, actor: .staff("s"), at: start, reason: "no")
        }
        #expect(throws: IllegalTransition.self) {
            try request.transition(to: .denied, actor: .staff("s"), at: start, denialReason: .exemption)
        }
        #expect(throws: IllegalTransition.self) {
            try request.transition(to: .extended, actor: .staff("s"), at: start, reason: "   ")
        }
        #expect(throws: IllegalTransition.self) {
            try request.transition(to: .cancelled, actor: .customer, at: start)
        }
        #expect(throws: IllegalTransition.self) {
            try request.transition(to: .completed, actor: .staff("s"), at: start, denialReason: .other)
        }
        #expect(request.status == .verified)
        let event = try request.transition(
            to: .denied,
            actor: .staff("s"),
            at: start,
            reason: "Invoices must be kept for tax law",
            denialReason: .exemption
        )
        #expect(event.denialReason == .exemption)
    }

    @Test("An extension is granted once")
    func extendOnce() throws {
        var request = try request(in: .extended)
        #expect(throws: IllegalTransition.self) {
            try request.transition(to: .extended, actor: .staff("s"), at: start, reason: "again")
        }
    }
}

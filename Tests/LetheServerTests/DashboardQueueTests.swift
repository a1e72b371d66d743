import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import LetheTestSupport
import NIOCore
import Testing

@testable import LetheServer

/// The queue as an officer uses it first: find a request or a customer, page past the first hundred,
/// sort, and see the days left.
@Suite("Dashboard queue")
struct DashboardQueueTests {
    /// The request ids in a queue page, in order.
    static func ids(_ html: String) -> [String] {
        html.components(separatedBy: "<a href=\"/dashboard/requests/").dropFirst().map {
            String($0.prefix { $0 != "\"" })
        }
    }

    @Test("one box finds a request by id, or a customer's requests by account id or email")
    func search() async throws {
        let server = try await TestServer.make()
        let alice = try await server.customer("queue.alice@example.com")
        let bob = try await server.customer("queue.bob@example.com")
        let aliceRequest = try await server.submit(.export, for: alice)
        let bobRequest = try await server.submit(.deletion, for: bob)
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .agent)
            let byID = try await browser.get("/dashboard?q=\(bobRequest.rawValue)")
            #expect(byID.status == .seeOther)
            #expect(byID.headers[.location] == "/dashboard/requests/\(bobRequest.rawValue)")

            let byAccount = try await browser.get("/dashboard?q=\(alice.description.lowercased())")
            #expect(Self.ids(byAccount.text) == [aliceRequest.rawValue])

            let byEmail = try await browser.get("/dashboard?q=QUEUE.BOB%40example.com")
            #expect(Self.ids(byEmail.text) == [bobRequest.rawValue])
            #expect(byEmail.text.contains("the account with that email"))

            let nobody = try await browser.get("/dashboard?q=nobody%40example.com")
            #expect(Self.ids(nobody.text).isEmpty)
            #expect(nobody.text.contains("No account has that email."))

            let missing = try await browser.get("/dashboard?q=R-20260101-NOSUCH00")
            #expect(Self.ids(missing.text).isEmpty)
            #expect(missing.text.contains("No request has the id"))
        }
    }

    @Test("the queue pages past a hundred requests, keeps its filters, and sorts as asked")
    func pagingAndSorting() async throws {
        let server = try await TestServer.make()
        var submitted: [String] = []
        for n in 0..<105 {
            let account = try await server.customer("queue.page\(n)@example.com")
            submitted.append(
                try await server.submit(.export, for: account, receivedAt: Date(timeIntervalSinceNow: Double(n - 200)))
                    .rawValue
            )
        }
        let ids = submitted
        try await server.test { client in
            let submitted = ids
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let first = try await browser.get("/dashboard?kind=export&sort=received")
            let firstIDs = Self.ids(first.text)
            #expect(firstIDs.count == 100)
            #expect(firstIDs == Array(submitted.prefix(100)))
            #expect(first.text.contains("Showing 1–100 (page 1)"))
            #expect(first.text.contains("href=\"/dashboard?kind=export&amp;sort=received&amp;page=2\""))
            #expect(!first.text.contains("Previous page"))
            #expect(first.text.contains("Days left"))

            let second = try await browser.get("/dashboard?kind=export&sort=received&page=2")
            #expect(Self.ids(second.text) == Array(submitted.suffix(5)))
            #expect(second.text.contains("Previous page"))
            #expect(!second.text.contains("Next page"))

            let newest = try await browser.get("/dashboard?sort=received-desc")
            #expect(Self.ids(newest.text).first == submitted.last)
            #expect(try await browser.get("/dashboard?sort=sideways").status == .badRequest)
        }
    }

    @Test("a request's alerts say what they mean: how close the deadline was and who was told")
    func alertsExplained() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("queue.alert@example.com")
        let id = try await server.submit(.export, for: account, receivedAt: Date(timeIntervalSinceNow: -26 * 86_400))
        _ = try await server.runtime.requests().watch()
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let page = try await browser.get("/dashboard/requests/\(id.rawValue)")
            #expect(page.text.contains("7 days before the deadline, so the officer was alerted (due-7)"))
        }
    }

    @Test("the dossier carries the erasure's audit entry, and flags a request overdue or answered late")
    func dossierEvidence() async throws {
        let server = try await TestServer.make()
        let erased = try await server.customer("dossier.erased@example.com")
        let deletion = try await server.submit(.deletion, for: erased)
        try await server.runtime.erasure().erase(erased, receipt: deletion, at: server.runtime.clock.now())
        let late = try await server.customer("dossier.late@example.com")
        let old = try await server.submit(.export, for: late, receivedAt: Date(timeIntervalSinceNow: -40 * 86_400))
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let erasure = try await browser.get("/dashboard/requests/\(deletion.rawValue)/dossier")
            #expect(erasure.text.contains("<td>account.erased</td>"))
            #expect(!erasure.text.contains("OVERDUE"))
            let overdue = try await browser.get("/dashboard/requests/\(old.rawValue)/dossier")
            #expect(overdue.text.contains("OVERDUE:"))
        }
        try await server.runtime.requests().deny(
            old,
            basis: .unverifiable,
            reason: "The customer never confirmed it was them.",
            by: .staff("officer-1")
        )
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let answered = try await browser.get("/dashboard/requests/\(old.rawValue)/dossier")
            #expect(answered.text.contains("Answered late:"))
            #expect(!answered.text.contains("OVERDUE:"))
        }
    }
}

/// The request page in the controller's own hours, and whether the customer was told their request arrived.
@Suite("Request page: times and acknowledgement")
struct RequestPageAcknowledgementTests {
    /// The shipped policies with the controller in California.
    static func californiaPolicies() throws -> PolicySet {
        var sources = try ShippedPolicies.sources()
        let index = try #require(sources.firstIndex { $0.relativePath == "controller.yaml" })
        let shipped = sources[index]
        sources[index] = PolicySource(
            relativePath: shipped.relativePath,
            displayPath: shipped.displayPath,
            contents: shipped.contents.replacingOccurrences(
                of: "time-zone: \"Europe/London\"",
                with: "time-zone: \"America/Los_Angeles\""
            )
        )
        return try PolicySet.load(sources)
    }

    @Test("times read in the controller's zone, and the page says when the acknowledgement went out and if in time")
    func timesAndAcknowledgement() async throws {
        let policies = try Self.californiaPolicies()
        #expect(policies.controller.timeZoneIdentifier == "America/Los_Angeles")
        let server = try await TestServer.make(policies: policies)
        let late = "ack.late@example.com"
        let onTime = "ack.ontime@example.com"
        let lateAccount = try await server.customer(late, residence: "us-ca")
        let onTimeAccount = try await server.customer(onTime, residence: "us-ca")
        // 16:30 UTC on 1 July is 09:30 in California (daylight time).
        let received = try #require(ISO8601DateFormatter().date(from: "2026-07-01T16:30:00Z"))
        let old = try await server.submit(.export, for: lateAccount, receivedAt: received)
        let fresh = try await server.submit(.export, for: onTimeAccount)
        let stored = try #require(try await server.runtime.requests().request(old))
        let ackDue = try #require(stored.schedule.acknowledgement?.due)
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let waiting = try await browser.get("/dashboard/requests/\(old.rawValue)")
            #expect(waiting.text.contains("<dd>2026-07-01 09:30:00 -07:00</dd>"))
            #expect(!waiting.text.contains("2026-07-01T16:30:00Z"))
            #expect(waiting.text.contains("<dd id=\"acknowledgement\">queued, not sent yet</dd>"))
        }
        #expect(try await server.mails(to: late).contains { $0.contains("X-Lethe-Kind: receipt-acknowledgement") })
        #expect(try await server.mails(to: onTime).contains { $0.contains("X-Lethe-Kind: receipt-acknowledgement") })
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let sentLate = try await browser.get("/dashboard/requests/\(old.rawValue)")
            #expect(sentLate.text.contains("after the acknowledgement deadline of \(ackDue)"))
            let sent = try await browser.get("/dashboard/requests/\(fresh.rawValue)")
            #expect(sent.text.contains("within the acknowledgement deadline"))
            let dossier = try await browser.get("/dashboard/requests/\(old.rawValue)/dossier")
            #expect(dossier.text.contains("after the acknowledgement deadline of \(ackDue)"))
        }
    }
}

@Suite("Times on pages")
struct TimeDisplayTests {
    @Test(
        "an instant reads as the local date and time with the zone's offset, daylight saving and half hours included",
        arguments: [
            ("2026-07-01T16:30:00Z", "America/Los_Angeles", "2026-07-01 09:30:00 -07:00"),
            ("2026-01-01T07:59:59Z", "America/Los_Angeles", "2025-12-31 23:59:59 -08:00"),
            ("2026-03-29T01:00:00Z", "Europe/London", "2026-03-29 02:00:00 +01:00"),
            ("2026-12-05T18:45:07Z", "Asia/Kolkata", "2026-12-06 00:15:07 +05:30"),
            ("2026-12-05T08:00:00Z", "UTC", "2026-12-05 08:00:00 +00:00"),
        ] as [(String, String, String)]
    )
    func localTime(instant: String, zone: String, expected: String) throws {
        let date = try #require(ISO8601DateFormatter().date(from: instant))
        let display = TimeDisplay(zone: try #require(TimeZone(identifier: zone)))
        #expect(display.text(date) == expected)
    }
}

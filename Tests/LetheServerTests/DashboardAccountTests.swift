import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import Testing

@testable import LetheServer

/// The account page's procedures: the same reach as the API and the CLI, each on identity evidence.
@Suite("Dashboard account changes")
struct DashboardAccountTests {
    @Test("an agent adds a card and an address and removes one, on the customer's answer; unverified waits")
    func agentChangesDetails() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.details@example.com")
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .agent)
            let page = try await browser.get("/dashboard/accounts/\(account)")
            #expect(page.text.contains("Change the account"))
            #expect(page.text.contains("none yet"))
            #expect(!page.text.contains("Reactivate the account"))
            let csrf = try #require(Browser.csrf(in: page.text))

            let added = try await browser.post(
                "/dashboard/accounts/\(account)/change",
                [
                    ("csrf", csrf), ("answer", "otter"), ("card", "5555 5555 5555 4444"), ("holder", "Test Customer"),
                    ("expiry", "11/2031"), ("line1", "9 Quay St"), ("city", "Hull"), ("address-postcode", "HU1 1AA"),
                    ("country", "GB"), ("reason", "customer phoned"), ("reference", "T-12"),
                ]
            )
            #expect(added.status == .ok)
            #expect(added.text.contains("Changed address, payment-method"))
            #expect(added.text.contains("•••• 4444"))
            #expect(!added.text.contains("5555 5555"))

            let badCard = try await browser.post(
                "/dashboard/accounts/\(account)/change",
                [
                    ("csrf", csrf), ("answer", "otter"), ("card", "5555 5555 5555 4445"), ("holder", "T"),
                    ("expiry", "11/2031"), ("reason", "typo"),
                ]
            )
            #expect(badCard.status == .badRequest)
            #expect(badCard.text.contains("Nothing was changed"))

            let view = try await server.runtime.accounts().view(account)
            let first = try #require(view.addressEntries.first?.id)
            let unverified = try await browser.post(
                "/dashboard/accounts/\(account)/change",
                [("csrf", csrf), ("remove-address", "\(first)"), ("reason", "no proof")]
            )
            #expect(unverified.text.contains("Held for a supervisor"))
            #expect(try await server.runtime.accounts().view(account).addressEntries.count == 2)

            let removed = try await browser.post(
                "/dashboard/accounts/\(account)/change",
                [
                    ("csrf", csrf), ("dob", "1980-02-03"), ("postcode", "ls1 1aa"), ("remove-address", "\(first)"),
                    ("reason", "moved"),
                ]
            )
            #expect(removed.text.contains("Changed address"))
        }
        let view = try await server.runtime.accounts().view(account)
        #expect(view.addressEntries.count == 1)
        #expect(view.paymentMethodEntries.count == 1)
        let notes = try await server.runtime.accounts().notes(RecordNoteQuery(accountID: account))
        #expect(notes.contains { $0.reference == "T-12" && $0.verification?.method == .securityQuestions })
    }

    @Test("a deactivated account is reactivated from its page on the right answer only")
    func agentReactivates() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.reactivate@example.com")
        try await server.deactivate(account)
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .agent)
            let page = try await browser.get("/dashboard/accounts/\(account)")
            #expect(page.text.contains("Reactivate the account"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let wrong = try await browser.post(
                "/dashboard/accounts/\(account)/reactivate",
                [("csrf", csrf), ("answer", "badger"), ("reason", "asked")]
            )
            #expect(wrong.status == .badRequest)
            #expect(try await server.runtime.accounts().view(account).status == "deactivated")
            let right = try await browser.post(
                "/dashboard/accounts/\(account)/reactivate",
                [("csrf", csrf), ("answer", "Otter"), ("reason", "customer wants it back")]
            )
            #expect(right.text.contains("Reactivated"))
            #expect(!right.text.contains("Reactivate the account"))
        }
        #expect(try await server.runtime.accounts().view(account).status == "active")
    }

    @Test("an auditor sees the account but no change forms, and cannot post one")
    func auditorCannotChange() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.audit@example.com")
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let page = try await browser.get("/dashboard/accounts/\(account)")
            #expect(!page.text.contains("Change the account"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let refused = try await browser.post(
                "/dashboard/accounts/\(account)/change",
                [("csrf", csrf), ("answer", "Otter"), ("phone", "+44 20 7946 0123"), ("reason", "x")]
            )
            #expect(refused.status == .forbidden)
        }
        #expect(try await server.runtime.accounts().view(account).phone == nil)
    }

    @Test("the account page shows consents, export bundles and security events, and 'None yet.' when empty")
    func accountPageShowsWhatIsHeld() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.held@example.com")
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let empty = try await browser.get("/dashboard/accounts/\(account)")
            #expect(empty.text.components(separatedBy: "None yet.").count - 1 >= 4)
        }
        let purpose = try #require(server.runtime.policies.purposes.first)
        try await server.runtime.store.appendConsent(
            account,
            ConsentRecord(
                purpose: purpose.id,
                granted: true,
                source: "web-form",
                sourceDetail: nil,
                noticeVersion: "2026-01",
                at: Date()
            )
        )
        try await server.runtime.store.addSecurityEvent(
            account,
            at: Date(),
            kind: "sign-in",
            ipAddress: "198.51.100.77",
            userAgent: "Firefox"
        )
        let id = try await server.submit(.export, for: account)
        let verification = try await server.runtime.accounts().verifySecurityAnswer(account, answer: "Otter", by: "a")
        try await server.runtime.requests().verify(id, with: try #require(verification), by: "agent")
        try await server.runtime.requests().approve(id, by: "officer")
        _ = try await server.runtime.jobRunner(worker: "test").runUntilIdle()
        try await server.test { client in
            var browser = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let page = try await browser.get("/dashboard/accounts/\(account)")
            #expect(page.text.contains(purpose.name))
            #expect(page.text.contains("given"))
            #expect(page.text.contains("sign-in"))
            // Staff see what happened, not where from.
            #expect(!page.text.contains("198.51.100.77"))
            #expect(page.text.contains("<td><a href=\"/dashboard/requests/\(id.rawValue)\">"))
            #expect(page.text.contains("<td>3</td>"))
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import Testing

@testable import LetheServer

/// What customers do to their own account in the privacy center: bring a deactivated account back, and
/// keep addresses and cards up to date, each leaving the record note a change by staff leaves.
@Suite("Privacy center: the customer's own account")
struct PrivacyCenterAccountTests {
    /// The newest code mailed to `email` that differs from `previous`, waiting for the background send.
    static func newCode(_ server: TestServer, to email: String, after previous: String?) async throws -> String {
        var code = try await server.latestCode(to: email)
        for _ in 0..<50 where code == previous {
            try await Task.sleep(for: .milliseconds(100))
            code = try await server.latestCode(to: email)
        }
        return try #require(code == previous ? nil : code)
    }

    @Test("a deactivated customer reactivates with a code to the registered email and is signed in")
    func reactivationByCode() async throws {
        let server = try await TestServer.make()
        let email = "pc.reactivate@example.com"
        let account = try await server.customer(email)
        try await server.deactivate(account)
        try await server.test { client in
            var browser = Browser(client: client)
            let asked = try await browser.post("/privacy/reactivate", [("email", email)])
            #expect(asked.status == .ok)
            #expect(asked.text.contains("code to reactivate it"))
            // A stranger's email gets the very same page.
            var stranger = Browser(client: client)
            let unknown = try await stranger.post("/privacy/reactivate", [("email", "nobody.here@example.com")])
            #expect(
                unknown.text.replacingOccurrences(of: "nobody.here@example.com", with: email)
                    == asked.text
            )
            let code = try await Self.newCode(server, to: email, after: nil)

            let wrong = try await browser.post("/privacy/reactivate/confirm", [("email", email), ("code", "000000")])
            #expect(wrong.status == .unauthorized)
            #expect(try await server.runtime.accounts().view(account).status == "deactivated")
            #expect(browser.cookies["lethe_customer"] == nil)

            let right = try await browser.post("/privacy/reactivate/confirm", [("email", email), ("code", code)])
            #expect(right.status == .seeOther)
            #expect(right.headers[.location] == "/privacy/account?reactivated=1")
            #expect(browser.cookies["lethe_customer"] != nil)
            let page = try await browser.get("/privacy/account?reactivated=1")
            #expect(page.status == .ok)
            #expect(page.text.contains("Your account is active again"))
        }
        #expect(try await server.runtime.accounts().view(account).status == "active")
        let note = try #require(
            try await server.runtime.accounts().notes(RecordNoteQuery(accountID: account)).first {
                $0.author == AccountService.customerAuthor
            }
        )
        #expect(note.changedFields == ["status"])
        #expect(note.verification?.method == .oneTimeCodeEmail)
        #expect(
            try await server.mails(to: email, waitingFor: "Your account is active again").contains {
                $0.contains("Your account is active again")
            }
        )
    }

    @Test("the deactivated page offers reactivation")
    func deactivatedPageOffersReactivation() async throws {
        let server = try await TestServer.make()
        let email = "pc.offer@example.com"
        let account = try await server.customer(email)
        try await server.deactivate(account)
        try await server.test { client in
            var browser = Browser(client: client)
            _ = try await browser.post("/privacy/code", [("email", email)])
            let code = try await Self.newCode(server, to: email, after: nil)
            let refused = try await browser.post("/privacy/sign-in", [("email", email), ("code", code)])
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains(#"action="/privacy/reactivate""#))
        }
    }

    @Test("a signed-in customer adds and removes a card and an address; a bad card changes nothing")
    func customerKeepsDetailsUpToDate() async throws {
        let server = try await TestServer.make()
        let email = "pc.details@example.com"
        let account = try await server.customer(email)
        try await server.test { client in
            var browser = Browser(client: client)
            _ = try await browser.post("/privacy/code", [("email", email)])
            let code = try await Self.newCode(server, to: email, after: nil)
            #expect(try await browser.post("/privacy/sign-in", [("email", email), ("code", code)]).status == .seeOther)
            let page = try await browser.get("/privacy/account")
            #expect(page.text.contains("No cards yet."))
            let csrf = try #require(Browser.csrf(in: page.text))

            // Without the form's token nothing happens.
            let forged = try await browser.post(
                "/privacy/account/cards",
                [("number", "4111 1111 1111 1111"), ("holder", "T C"), ("expiry", "04/2030")]
            )
            #expect(forged.status == .forbidden)

            let added = try await browser.post(
                "/privacy/account/cards",
                [("csrf", csrf), ("number", "4111 1111 1111 1111"), ("holder", "Test Customer"), ("expiry", "04/2030")]
            )
            #expect(added.status == .seeOther)
            let withCard = try await browser.get("/privacy/account?changed=1")
            #expect(withCard.text.contains("•••• 1111"))
            #expect(!withCard.text.contains("4111 1111"))

            let bad = try await browser.post(
                "/privacy/account/cards",
                [("csrf", csrf), ("number", "4111 1111 1111 1112"), ("holder", "Test Customer"), ("expiry", "04/2030")]
            )
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("Luhn"))
            #expect(!bad.text.contains("1112"))

            let address = try await browser.post(
                "/privacy/account/addresses",
                [
                    ("csrf", csrf), ("label", "work"), ("line1", "2 Office Row"), ("city", "York"),
                    ("postcode", "YO1 7HH"), ("country", "gb"),
                ]
            )
            #expect(address.status == .seeOther)
            let view = try await server.runtime.accounts().view(account)
            #expect(view.addressEntries.count == 2)
            #expect(view.paymentMethodEntries.count == 1)

            let firstAddress = try #require(view.addressEntries.first?.id)
            let removed = try await browser.post("/privacy/account/addresses/\(firstAddress)/remove", [("csrf", csrf)])
            #expect(removed.status == .seeOther)
            let card = try #require(view.paymentMethodEntries.first?.id)
            #expect(
                try await browser.post("/privacy/account/cards/\(card)/remove", [("csrf", csrf)]).status == .seeOther
            )
        }
        let view = try await server.runtime.accounts().view(account)
        #expect(view.addressEntries.map(\.text).count == 1)
        #expect(view.paymentMethodEntries.isEmpty)
        let notes = try await server.runtime.accounts().notes(RecordNoteQuery(accountID: account)).filter {
            $0.author == AccountService.customerAuthor
        }
        #expect(notes.count == 4)
        #expect(notes.allSatisfy { $0.verification?.method == .oneTimeCodeEmail })
        #expect(notes.allSatisfy { $0.reason == PrivacyCenterRoutes.customerChangeReason })
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import Testing

@testable import LetheServer

/// A correction as the customer asks for it in the privacy center and the officer decides it in the dashboard.
@Suite("Correction in the privacy center and the dashboard")
struct CorrectionPagesTests {
    @Test(
        "a customer asks for a correction; the officer sees the value, the auditor only the field; approval applies it"
    )
    func customerAsksOfficerAccepts() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("pc.correct@example.com")
        try await server.test { client in
            var customer = Browser(client: client)
            let home = try await customer.get("/privacy")
            #expect(home.text.contains("Ask us to correct your data"))
            #expect(home.text.contains("<option value=\"full-name\">My name</option>"))
            let refused = try await customer.post(
                "/privacy/requests",
                [
                    ("kind", "correction"), ("field", "phone"), ("value", "call me maybe"),
                    ("email", "pc.correct@example.com"), ("jurisdiction", "uk-gdpr"),
                ]
            )
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("phone is not a valid international number"))
            #expect(!refused.text.contains("call me maybe"))
            let submitted = try await customer.post(
                "/privacy/requests",
                [
                    ("kind", "correction"), ("field", "full-name"), ("value", "Petra Correctly"),
                    ("statement", "Spelling mistake at sign-up."), ("email", "pc.correct@example.com"),
                    ("jurisdiction", "uk-gdpr"),
                ]
            )
            #expect(submitted.status == .seeOther)
            let verifyPath = try #require(submitted.headers[.location])
            let id = String(verifyPath.split(separator: "/")[2])
            let code = try #require(try await server.latestCode(to: "pc.correct@example.com"))
            #expect(try await customer.post(verifyPath, [("code", code)]).status == .seeOther)
            // Signed in now: the account page offers the same form, with its CSRF token.
            let page = try await customer.get("/privacy/account")
            #expect(page.text.contains("Ask us to correct your data"))
            #expect(page.text.contains(">\(id)</a></td><td>correction</td>"))

            var auditor = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            let audited = try await auditor.get("/dashboard/requests/\(id)")
            #expect(audited.text.contains("<dd id=\"correction\">full-name</dd>"))
            #expect(!audited.text.contains("Petra Correctly"))

            var officer = try await DashboardTests.staffBrowser(server, client, role: .officer)
            let shown = try await officer.get("/dashboard/requests/\(id)")
            #expect(shown.text.contains("full-name to read: Petra Correctly"))
            #expect(shown.text.contains("Spelling mistake at sign-up."))
            let csrf = try #require(Browser.csrf(in: shown.text))
            #expect(try await officer.post("/dashboard/requests/\(id)/approve", [("csrf", csrf)]).status == .seeOther)
            #expect(try await server.runtime.jobRunner(worker: "test").runOnce().completed == 1)
            let done = try await officer.get("/dashboard/requests/\(id)")
            #expect(done.text.contains("<dd id=\"status\">completed</dd>"))
        }
        #expect(
            try await server.runtime.accounts().reveal(account, field: "full-name", reason: "t", by: "t")
                == "Petra Correctly"
        )
    }

    @Test("an agent records a correction asked for by phone from the account page; a malformed one is refused there")
    func staffRecordsACorrection() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.correct@example.com")
        try await server.test { client in
            var agent = try await DashboardTests.staffBrowser(server, client, role: .agent)
            let page = try await agent.get("/dashboard/accounts/\(account)")
            #expect(page.text.contains("Record a correction the customer asked for"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let refused = try await agent.post(
                "/dashboard/accounts/\(account)/correction",
                [("csrf", csrf), ("field", "email"), ("value", "no-at-sign"), ("channel", "phone")]
            )
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("correction refused: email is not a valid address"))
            let recorded = try await agent.post(
                "/dashboard/accounts/\(account)/correction",
                [("csrf", csrf), ("field", "phone"), ("value", "+44 7700 900456"), ("channel", "phone")]
            )
            #expect(recorded.status == .seeOther)
            let location = try #require(recorded.headers[.location])
            let id = RequestID(String(location.split(separator: "/").last ?? ""))
            let stored = try #require(try await server.runtime.requests().request(id))
            #expect(stored.request.kind == .correction)
            #expect(stored.channel == .phone)
            #expect(stored.correction?.value == .phone("+447700900456"))
            let forged = try await agent.post(
                "/dashboard/accounts/\(account)/correction",
                [("csrf", "forged"), ("field", "phone"), ("value", "+44 7700 900456")]
            )
            #expect(forged.status == .forbidden)
            var auditor = try await DashboardTests.staffBrowser(server, client, role: .auditor)
            #expect(!(try await auditor.get("/dashboard/accounts/\(account)")).text.contains("Record a correction"))
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import LetheStore
import NIOCore
import Testing

@testable import LetheServer

@Suite("Officer dashboard")
struct DashboardTests {
    static func staffBrowser(
        _ server: TestServer,
        _ client: any TestClientProtocol,
        role: StaffRole
    ) async throws
        -> Browser
    {
        let name = "dash.\(role.rawValue)"
        if try await server.runtime.store.staffUser(name) == nil {
            _ = try await server.access.addStaff(username: name, role: role, password: "dashboard passphrase", by: "t")
        }
        var browser = Browser(client: client)
        let response = try await browser.post("/login", [("username", name), ("password", "dashboard passphrase")])
        #expect(response.status == .seeOther)
        return browser
    }

    @Test("an officer works a request from the queue to completion with forms, and the dossier tells the story")
    func officerWorksARequest() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.customer@example.com")
        let requestID = try await server.submit(.deactivation, for: account)
        let id = requestID.rawValue
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .officer)
            let queue = try await browser.get("/dashboard")
            #expect(queue.status == .ok)
            #expect(queue.text.contains(id))
            let page = try await browser.get("/dashboard/requests/\(id)")
            #expect(page.text.contains("Art 12(3)"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let code = try #require(try await server.latestCode(to: "dash.customer@example.com"))
            #expect(
                try await browser.post("/dashboard/requests/\(id)/verify", [("csrf", csrf), ("code", code)]).status
                    == .seeOther
            )
            #expect(
                try await browser.post("/dashboard/requests/\(id)/approve", [("csrf", "nope")]).status == .forbidden
            )
            #expect(try await browser.post("/dashboard/requests/\(id)/approve", [("csrf", csrf)]).status == .seeOther)
            _ = try await server.runtime.jobRunner(worker: "test").runOnce(limit: 10)
            let done = try await browser.get("/dashboard/requests/\(id)")
            #expect(done.text.contains("<dd id=\"status\">completed</dd>"))
            let dossier = try await browser.get("/dashboard/requests/\(id)/dossier")
            #expect(dossier.text.contains("verified intact"))
            #expect(dossier.text.contains("one-time code"))
        }
    }

    @Test("the page offers exactly what the lifecycle allows: approve an extended request, never a second extension")
    func actionsFollowTheLifecycle() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.lifecycle@example.com")
        let requestID = try await server.submit(.export, for: account)
        let id = requestID.rawValue
        let requests = server.runtime.requests()
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .officer)
            // Awaiting verification: nothing to approve or extend yet; it can still be denied or cancelled.
            let waiting = try await browser.get("/dashboard/requests/\(id)")
            #expect(!waiting.text.contains("id=\"approve\""))
            #expect(!waiting.text.contains("id=\"extend\""))
            #expect(waiting.text.contains("/cancel\""))
            let verification = try #require(
                try await server.runtime.accounts().verifySecurityAnswer(account, answer: "Otter", by: "agent-1")
            )
            try await requests.verify(requestID, with: verification, by: "agent-1")
            let verified = try await browser.get("/dashboard/requests/\(id)")
            #expect(verified.text.contains("id=\"approve\""))
            #expect(verified.text.contains("id=\"extend\""))
            try await requests.extend(requestID, reason: "six systems to search", by: "officer-1")
            let extended = try await browser.get("/dashboard/requests/\(id)")
            #expect(extended.text.contains("id=\"approve\""), "an extended request can still be approved")
            #expect(!extended.text.contains("id=\"extend\""), "the one extension is used")
            // What the page offers, the service accepts.
            let csrf = try #require(Browser.csrf(in: extended.text))
            #expect(try await browser.post("/dashboard/requests/\(id)/approve", [("csrf", csrf)]).status == .seeOther)
            #expect(try await server.runtime.store.request(requestID)?.request.status == .inProgress)
        }
    }

    @Test("an officer stops the clock for a reason the law allows, and restarts it")
    func pauseAndResume() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.pause@example.com")
        let requestID = try await server.submit(.export, for: account)
        let id = requestID.rawValue
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .officer)
            let page = try await browser.get("/dashboard/requests/\(id)")
            let csrf = try #require(Browser.csrf(in: page.text))
            #expect(page.text.contains("/pause\""))
            // UK GDPR Art 12A stops the clock for clarification only; identity is not offered.
            #expect(page.text.contains("<option>clarification</option>"))
            #expect(!page.text.contains("<option>identity</option>"))
            let refused = try await browser.post(
                "/dashboard/requests/\(id)/pause",
                [("csrf", csrf), ("reason", "identity")]
            )
            #expect(refused.status == .badRequest)
            let paused = try await browser.post(
                "/dashboard/requests/\(id)/pause",
                [("csrf", csrf), ("reason", "clarification")]
            )
            #expect(paused.status == .seeOther)
            let stopped = try await browser.get("/dashboard/requests/\(id)")
            #expect(stopped.text.contains("/resume\""))
            #expect(stopped.text.contains("Clock stopped"))
            #expect(try await browser.post("/dashboard/requests/\(id)/resume", [("csrf", csrf)]).status == .seeOther)
        }
        let stored = try #require(try await server.runtime.store.request(requestID))
        #expect(stored.pauses.count == 1)
        #expect(stored.pauses.first?.to != nil)
    }

    @Test("a refused action re-shows the request with the reason and changes nothing")
    func refusedActionExplains() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.refused@example.com")
        let requestID = try await server.submit(.export, for: account)
        let id = requestID.rawValue
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .officer)
            let page = try await browser.get("/dashboard/requests/\(id)")
            let csrf = try #require(Browser.csrf(in: page.text))
            // Approving before identity is verified is not allowed by the lifecycle.
            let refused = try await browser.post("/dashboard/requests/\(id)/approve", [("csrf", csrf)])
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("class=\"error\""))
        }
        #expect(
            try await server.runtime.store.request(requestID)?.request.status == .awaitingVerification
        )
    }

    @Test("an admin registers and revokes an authorized agent on the oversight page; a bad key is refused")
    func agentsOnTheOversightPage() async throws {
        let server = try await TestServer.make()
        let key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        try await server.test { client in
            var officer = try await Self.staffBrowser(server, client, role: .officer)
            let officerPage = try await officer.get("/dashboard/oversight")
            #expect(!officerPage.text.contains("Register an agent"))
            let officerCSRF = try #require(Browser.csrf(in: officerPage.text))
            #expect(
                try await officer.post(
                    "/dashboard/agents",
                    [("csrf", officerCSRF), ("id", "AGENT_X"), ("name", "X"), ("key", key)]
                ).status == .forbidden
            )
            var admin = try await Self.staffBrowser(server, client, role: .admin)
            let page = try await admin.get("/dashboard/oversight")
            #expect(page.text.contains("Register an agent"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let refused = try await admin.post(
                "/dashboard/agents",
                [("csrf", csrf), ("id", "AGENT_Z"), ("name", "Zero"), ("key", String(repeating: "A", count: 43) + "=")]
            )
            #expect(refused.status == .ok && refused.text.contains("small order"))
            #expect(try await server.runtime.store.agent("AGENT_Z") == nil)
            let added = try await admin.post(
                "/dashboard/agents",
                [
                    ("csrf", csrf), ("id", "AGENT_X"), ("name", "Agent X"), ("key", key), ("accept", "email"),
                    ("callbackHosts", "agent.example 127.0.0.1:*"), ("confirm", "on"),
                ]
            )
            #expect(added.status == .seeOther)
            let agent = try #require(try await server.runtime.store.agent("AGENT_X"))
            #expect(agent.assurance == IdentityAssurance(accepts: [.email], confirmWithCustomer: true))
            #expect(agent.callbackHosts == ["agent.example", "127.0.0.1:*"])
            #expect(try await admin.get("/dashboard/oversight").text.contains("AGENT_X"))
            #expect(
                try await admin.post("/dashboard/agents/AGENT_X/revoke", [("csrf", csrf)]).status == .seeOther
            )
            #expect(try await server.runtime.store.agent("AGENT_X")?.revokedAt != nil)
        }
    }

    @Test("an auditor reads the queue and reports but is shown no actions and cannot post them")
    func auditorReadsOnly() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.audit@example.com")
        let requestID = try await server.submit(.export, for: account)
        let id = requestID.rawValue
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .auditor)
            let page = try await browser.get("/dashboard/requests/\(id)")
            #expect(page.status == .ok)
            #expect(!page.text.contains("/approve\""))
            let csrf = try #require(Browser.csrf(in: page.text))
            #expect(
                try await browser.post("/dashboard/requests/\(id)/cancel", [("csrf", csrf), ("reason", "x")]).status
                    == .forbidden
            )
            let csv = try await browser.get("/dashboard/reports/ccpa.csv?year=2026")
            #expect(csv.status == .ok)
            #expect(csv.text.hasPrefix("year,jurisdiction,kind,received"))
        }
    }

    @Test("the account page masks values; a reveal needs a reason and lands in the audit trail")
    func revealIsAudited() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.reveal@example.com")
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .officer)
            let page = try await browser.get("/dashboard/accounts/\(account)")
            #expect(!page.text.contains("dash.reveal@example.com"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let noReason = try await browser.post(
                "/dashboard/accounts/\(account)/reveal",
                [("csrf", csrf), ("field", "email"), ("reason", "")]
            )
            #expect(noReason.status == .badRequest)
            let revealed = try await browser.post(
                "/dashboard/accounts/\(account)/reveal",
                [("csrf", csrf), ("field", "email"), ("reason", "customer on the phone")]
            )
            #expect(revealed.text.contains("dash.reveal@example.com"))
        }
        let audit = try await server.runtime.store.auditEntries(subjectType: "account", subjectID: account.description)
        #expect(audit.contains { $0.event.action.contains("reveal") })
    }

    @Test("the load chart is an SVG with a bar per due day and the overdue in red")
    func loadChart() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.load@example.com")
        let longAgo = Date().addingTimeInterval(-70 * 86_400)
        _ = try await server.submit(.export, for: account, receivedAt: longAgo)
        let fresh = try await server.submit(.deletion, for: account)
        try await server.runtime.requests().cancel(fresh, reason: "asked twice", by: .customer)
        _ = try await server.submit(.deletion, for: account)
        try await server.test { client in
            var browser = try await Self.staffBrowser(server, client, role: .agent)
            let page = try await browser.get("/dashboard/load")
            #expect(page.status == .ok)
            #expect(page.text.contains("<svg"))
            #expect(page.text.contains("fill=\"\(LoadChart.overdueColour)\"><title>1 overdue</title>"))
            // The cancelled deletion is not open work; the other one is one bar.
            #expect(page.text.contains(": 1 deletion</title>"))
            #expect(!page.text.contains(": 2 deletion</title>"))
            let utc = TimeZone(identifier: "UTC") ?? .current
            let now = LocalDate(instant: Date(), in: utc)
            let then = LocalDate(instant: longAgo, in: utc)
            let label = { (date: LocalDate) in String(format: "%04d-%02d", date.year, date.month) }
            #expect(page.text.contains("<title>\(label(now)): 2 received</title>"))
            #expect(page.text.contains("<title>\(label(then)): 1 received</title>"))
            #expect(!page.text.contains("<script"))
        }
    }
}

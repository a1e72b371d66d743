import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import Testing

@testable import LetheServer

/// An appeal as the customer lodges it in the privacy center and another officer finds it in the dashboard.
@Suite("Appeals in the privacy center, the dashboard and the API")
struct AppealPagesTests {
    /// The code mailed for `request` (the customer's inbox holds codes for earlier requests too).
    static func code(for request: String, _ server: TestServer) async throws -> String? {
        let mail = server.folder.appendingPathComponent("mail")
        for _ in 0..<50 {
            _ = try await server.runtime.dispatcher().dispatch()
            let files = (try? FileManager.default.contentsOfDirectory(at: mail, includingPropertiesForKeys: nil)) ?? []
            for file in files where file.pathExtension == "eml" {
                let text = try String(contentsOf: file, encoding: .utf8)
                guard text.contains("X-Lethe-Kind: verification-code"), text.contains(request),
                    let range = text.range(of: #"(is|code:) [0-9]{6}\b"#, options: .regularExpression)
                else { continue }
                return String(text[range].suffix(6))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test("a refused customer appeals from the request page; both pages and the dashboard show the link")
    func customerAppeals() async throws {
        let server = try await TestServer.make()
        _ = try await server.customer("pc.appeal@example.com", residence: "us-va")
        let requests = server.runtime.requests()
        try await server.test { client in
            var customer = Browser(client: client)
            // The customer asks through the privacy center; the right code also signs them in.
            let submitted = try await customer.post(
                "/privacy/requests",
                [("kind", "export"), ("email", "pc.appeal@example.com"), ("jurisdiction", "us-va")]
            )
            let firstVerify = try #require(submitted.headers[.location])
            let refused = RequestID(String(firstVerify.split(separator: "/")[2]))
            let code = try #require(try await server.latestCode(to: "pc.appeal@example.com"))
            #expect(try await customer.post(firstVerify, [("code", code)]).status == .seeOther)
            _ = try await requests.deny(
                refused,
                basis: .other,
                reason: "Nothing held of that kind.",
                by: .staff("first")
            )
            let page = try await customer.get("/privacy/requests/\(refused)")
            #expect(page.text.contains("Appeal this decision"))
            #expect(page.text.contains("60 calendar days (Va. Code §59.1-577(C)"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let lodged = try await customer.post(
                "/privacy/requests/\(refused)/appeal",
                [("csrf", csrf), ("grounds", "I do hold an account with you.")]
            )
            #expect(lodged.status == .seeOther)
            let verifyPath = try #require(lodged.headers[.location])
            let appeal = String(verifyPath.split(separator: "/")[2])
            let appealCode = try #require(try await Self.code(for: appeal, server))
            #expect(try await customer.post(verifyPath, [("csrf", csrf), ("code", appealCode)]).status == .seeOther)
            let appealPage = try await customer.get("/privacy/requests/\(appeal)")
            #expect(appealPage.text.contains("an appeal against request <a href=\"/privacy/requests/\(refused)\">"))
            let after = try await customer.get("/privacy/requests/\(refused)")
            #expect(after.text.contains("You appealed this decision"))
            #expect(!after.text.contains("id=\"appeal\""))

            var officer = try await DashboardTests.staffBrowser(server, client, role: .officer)
            let shown = try await officer.get("/dashboard/requests/\(appeal)")
            #expect(shown.text.contains("<dd id=\"appeal-of\"><a href=\"/dashboard/requests/\(refused)\">"))
            #expect(shown.text.contains("Customer's grounds: I do hold an account with you."))
            #expect(shown.text.contains("Uphold the appeal"))
            let original = try await officer.get("/dashboard/requests/\(refused)")
            #expect(original.text.contains("<dd id=\"appealed-by\"><a href=\"/dashboard/requests/\(appeal)\">"))
            let dossier = try await officer.get("/dashboard/requests/\(refused)/dossier")
            #expect(dossier.text.contains("<dd id=\"appealed-by\">request \(appeal)</dd>"))
        }
    }

    @Test("an agent records an appeal made by phone from the refused request's page")
    func staffRecordsAnAppeal() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("dash.appeal@example.com", residence: "us-co")
        let refused = try await server.submit(.deletion, for: account)
        let requests = server.runtime.requests()
        let code = try #require(try await server.latestCode(to: "dash.appeal@example.com"))
        #expect(try await requests.verifyCode(refused, code: code))
        _ = try await requests.deny(refused, basis: .exemption, reason: "Tax records.", by: .staff("first"))
        try await server.test { client in
            var agent = try await DashboardTests.staffBrowser(server, client, role: .agent)
            let page = try await agent.get("/dashboard/requests/\(refused)")
            #expect(page.text.contains("The customer's law grants an appeal (45 calendar days, C.R.S. §6-1-1306(3)"))
            let csrf = try #require(Browser.csrf(in: page.text))
            let recorded = try await agent.post(
                "/dashboard/requests/\(refused)/appeal",
                [("csrf", csrf), ("channel", "phone"), ("grounds", "Only some records are tax records.")]
            )
            #expect(recorded.status == .seeOther)
            let appeal = try #require(try await requests.appeal(of: refused))
            #expect(recorded.headers[.location] == "/dashboard/requests/\(appeal)")
            let stored = try #require(try await requests.request(appeal))
            #expect(stored.channel == .phone)
            #expect(stored.grounds == "Only some records are tax records.")
            // Appealed: the form is gone.
            #expect(!(try await agent.get("/dashboard/requests/\(refused)")).text.contains("record-appeal"))
        }
    }

    @Test("the API lodges an appeal, shows it on both requests, and refuses one against an open request")
    func apiAppeal() async throws {
        let server = try await TestServer.make()
        let agent = try await server.token(.agent)
        let officer = try await server.token(.officer)
        let account = try await server.customer("api.appeal@example.com", residence: "us-ct")
        let refused = try await server.submit(.deletion, for: account)
        let open = try await server.submit(.export, for: account)
        try await server.test { client in
            let asAgent = try TestServer.api(client, agent)
            let asOfficer = try TestServer.api(client, officer)
            _ = try await asAgent.verifyRequest(path: .init(id: refused.rawValue), body: .json(.init(answer: "otter")))
            _ = try await asOfficer.denyRequest(
                path: .init(id: refused.rawValue),
                body: .json(.init(basis: .exemption, reason: "Records we must keep."))
            )
            let receipt = try await asAgent.submitRequest(
                body: .json(
                    .init(kind: .appeal, channel: .phone, appealOf: refused.rawValue, grounds: "Not all of it.")
                )
            ).created.body.json
            #expect(receipt.schedule.kind == .appeal)
            #expect(receipt.schedule.response.citation.contains("42-520"))
            let detail = try await asOfficer.showRequest(path: .init(id: receipt.id)).ok.body.json
            #expect(detail.appealOf == refused.rawValue)
            #expect(detail.grounds == "Not all of it.")
            #expect(detail.request.account == account.description)
            let original = try await asOfficer.showRequest(path: .init(id: refused.rawValue)).ok.body.json
            #expect(original.appeal == receipt.id)
            let response = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: .json(agent),
                body: .json(#"{"kind":"appeal","appealOf":"\#(open.rawValue)"}"#)
            )
            #expect(response.status == .badRequest)
            #expect(response.text.contains("only a refused request can be appealed"))
        }
    }
}

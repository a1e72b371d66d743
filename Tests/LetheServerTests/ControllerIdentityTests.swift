import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import LetheTestSupport
import NIOCore
import Testing

@testable import LetheServer

/// The controller is configured once (`Policies/controller.yaml`) and named everywhere a customer reads.
@Suite("The controller, named once and everywhere")
struct ControllerIdentityTests {
    /// The shipped policies with another company's `controller.yaml`.
    static func acmePolicies() throws -> PolicySet {
        var sources = try ShippedPolicies.sources()
        sources.removeAll { $0.relativePath == "controller.yaml" }
        sources.append(
            PolicySource(
                relativePath: "controller.yaml",
                displayPath: "Policies/controller.yaml",
                contents: """
                    controller:
                      name: "Acme Widgets GmbH"
                      postal-address: "Hauptstraße 1, 10115 Berlin, Germany"
                      email: "datenschutz@acme.example"
                      privacy-notice-url: "https://acme.example/datenschutz"
                      privacy-center-url: "https://privacy.acme.example/privacy"
                      dpo-email: "dpo@acme.example"
                    """
            )
        )
        return try PolicySet.load(sources)
    }

    @Test("every customer notice comes from the controller's address and ends with who they are")
    func noticesAreSigned() async throws {
        let server = try await TestServer.make(policies: try Self.acmePolicies())
        let email = "signed.notices@example.com"
        let account = try await server.customer(email)
        let id = try await server.submit(.export, for: account)
        let requests = server.runtime.requests()
        let verification = try await server.runtime.accounts().verifySecurityAnswer(account, answer: "Otter", by: "a")
        try await requests.verify(id, with: try #require(verification), by: "agent")
        try await requests.approve(id, by: "officer")
        _ = try await server.runtime.jobRunner(worker: "test").runUntilIdle()
        let mails = try await server.mails(to: email)
        #expect(mails.count >= 4)  // welcome, code, acknowledgement, completion
        for mail in mails {
            #expect(mail.contains("From: datenschutz@acme.example\r\n"))
            #expect(mail.contains("@acme.example>"))
            #expect(mail.contains("Acme Widgets GmbH, Hauptstraße 1, 10115 Berlin, Germany"))
            #expect(mail.contains("Our data protection officer: dpo@acme.example"))
            #expect(mail.contains("Privacy notice: https://acme.example/datenschutz"))
            #expect(!mail.contains("lethe.invalid"))
        }
        let completion = try #require(mails.first { $0.contains("X-Lethe-Kind: request-completed") })
        #expect(completion.contains("sign in at https://privacy.acme.example/privacy with this email address"))
        #expect(completion.contains("open index.html"))
    }

    @Test("every privacy-center page, the missing page included, names the controller and how to reach them")
    func pagesNameTheController() async throws {
        let server = try await TestServer.make(policies: try Self.acmePolicies())
        try await server.test { client in
            var browser = Browser(client: client)
            for path in ["/privacy", "/privacy/no-such-page"] {
                let page = try await browser.get(path)
                #expect(page.text.contains("Acme Widgets GmbH is responsible for your data"), "\(path)")
                #expect(page.text.contains("mailto:datenschutz@acme.example"), "\(path)")
                #expect(page.text.contains("mailto:dpo@acme.example"), "\(path)")
                #expect(page.text.contains("href=\"https://acme.example/datenschutz\""), "\(path)")
            }
        }
    }
}

import Foundation
import LetheCore
import LetheEngine
import LetheTestSupport
import Testing

@testable import LetheServer

/// `LETHE_SMTP_URL` switches the running service from the mail folder to a real mail server.
@Suite("Mail delivery by SMTP", .serialized)
struct MailDeliveryTests {
    @Test("with LETHE_SMTP_URL set, a customer's notices reach the mail server, over TLS, from the controller")
    func noticesReachTheMailServer() async throws {
        let relay = try await LoopbackSMTPServer.start("starttls")
        let server = try await TestServer.make(
            environment: [
                "LETHE_SMTP_URL": "smtp://lethe:s3cret@127.0.0.1:\(relay.port)?ca=\(relay.folder)/cert.pem&timeout=60"
            ]
        )
        _ = try await server.customer("smtp.customer@example.com")
        let report = try await server.runtime.dispatcher().dispatch()
        #expect(report.delivered == 1)
        let welcome = try #require(try relay.received().first)
        #expect(welcome.contains("X-Test-TLS: yes"))
        #expect(welcome.contains("X-Test-Rcpt-To: smtp.customer@example.com"))
        #expect(welcome.contains("From: \(server.runtime.policies.controller.email)\r\n"))
        #expect(welcome.contains("X-Lethe-Kind: welcome"))
        // Nothing went to the mail folder.
        #expect(try await server.mails(to: "smtp.customer@example.com").isEmpty)
    }

    @Test("a LETHE_SMTP_URL that cannot be used stops the start, saying why and not the password")
    func badURLStopsTheStart() async throws {
        await #expect {
            _ = try await TestServer.make(environment: [
                "LETHE_SMTP_URL": "smtp://relay:hunter22@mail.example.com?starttls=off"
            ])
        } throws: { error in
            let text = "\(error)"
            return text.contains("starttls=off is allowed only") && !text.contains("hunter22")
        }
    }
}

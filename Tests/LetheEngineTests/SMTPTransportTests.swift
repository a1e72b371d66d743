import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import LetheEngine

@Suite("SMTP delivery", .serialized)
struct SMTPTransportTests {
    static let envelope = Envelope(
        messageID: "lethe-7",
        notice: .signInCode(code: "482913", expiresInMinutes: 15),
        to: "zoe.customer@example.org",
        subject: "Your sign-in code",
        body: "Zoë, your code to sign in to the privacy center is 482913.\n.\nA line that starts with a dot.",
        createdAt: Date(timeIntervalSince1970: 1_796_000_000)
    )

    static func transport(_ url: String) throws -> SMTPTransport {
        try SMTPTransport(settings: try SMTPSettings(url: url), from: "privacy@acme.example")
    }

    /// The headers and the decoded body of a received message.
    static func parts(_ message: String) throws -> (headers: String, body: String) {
        let split = try #require(message.range(of: "\r\n\r\n"))
        let base64 = message[split.upperBound...].replacingOccurrences(of: "\r\n", with: "")
        let body = try #require(Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) })
        return (String(message[..<split.lowerBound]), body)
    }

    @Test("STARTTLS, then AUTH, then the message: headers carry the address and nothing else personal")
    func deliversOverStartTLS() async throws {
        let server = try await LoopbackSMTPServer.start("starttls")
        let transport = try Self.transport(
            "smtp://lethe:s3cret@127.0.0.1:\(server.port)?ca=\(server.folder)/cert.pem&timeout=60&helo=lethe.test"
        )
        try await transport.deliver(Self.envelope)
        let message = try #require(try server.received().first)
        let (headers, body) = try Self.parts(message)
        #expect(headers.contains("X-Test-TLS: yes"))
        #expect(headers.contains("X-Test-Auth: lethe"))
        #expect(headers.contains("X-Test-Mail-From: privacy@acme.example"))
        #expect(headers.contains("X-Test-Rcpt-To: zoe.customer@example.org"))
        #expect(headers.contains("From: privacy@acme.example\r\n"))
        #expect(headers.contains("To: zoe.customer@example.org\r\n"))
        #expect(headers.contains("Subject: Your sign-in code\r\n"))
        #expect(headers.contains("Message-ID: <lethe-7@acme.example>"))
        #expect(headers.contains("Auto-Submitted: auto-generated"))
        #expect(headers.contains("Date: "))
        #expect(body == Self.envelope.body)
        // Beyond the address, nothing personal is in the headers: not the code, not the name.
        #expect(!headers.contains("482913"))
        #expect(!headers.contains("Zo"))
    }

    @Test("a wrong password is refused and nothing is sent; it is retried, not a bounce")
    func wrongPassword() async throws {
        let server = try await LoopbackSMTPServer.start("starttls")
        let transport = try Self.transport("smtp://lethe:wrong@127.0.0.1:\(server.port)?ca=\(server.folder)/cert.pem")
        await #expect(throws: SMTPFailure.rejected(code: 535, stage: .authentication, status: "5.7.8")) {
            try await transport.deliver(Self.envelope)
        }
        #expect(!SMTPFailure.rejected(code: 535, stage: .authentication, status: nil).isPermanent)
        #expect(try server.received().isEmpty)
    }

    @Test("a certificate nobody vouches for is refused before a word is said")
    func untrustedCertificate() async throws {
        let server = try await LoopbackSMTPServer.start("starttls")
        let transport = try Self.transport("smtp://lethe:s3cret@127.0.0.1:\(server.port)")
        await #expect(throws: SMTPFailure.tlsFailed) { try await transport.deliver(Self.envelope) }
        #expect(try server.received().isEmpty)
    }

    @Test("a server without STARTTLS gets nothing when TLS is required; off is for loopback only")
    func startTLSRequired() async throws {
        let server = try await LoopbackSMTPServer.start("plain")
        await #expect(throws: SMTPFailure.noStartTLS) {
            try await Self.transport("smtp://127.0.0.1:\(server.port)").deliver(Self.envelope)
        }
        #expect(try server.received().isEmpty)
        try await Self.transport("smtp://127.0.0.1:\(server.port)?starttls=off").deliver(Self.envelope)
        let message = try #require(try server.received().first)
        #expect(message.contains("X-Test-TLS: no"))
    }

    @Test("a server that never answers fails within the timeout")
    func timeout() async throws {
        let server = try await LoopbackSMTPServer.start("silent")
        let started = ContinuousClock.now
        await #expect(throws: SMTPFailure.timedOut) {
            try await Self.transport("smtp://127.0.0.1:\(server.port)?starttls=off&timeout=1").deliver(Self.envelope)
        }
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test("a recipient the server refuses for good is recorded as bounced at once; a 451 is retried")
    func bouncesAreRecorded() async throws {
        let server = try await LoopbackSMTPServer.start("plain")
        let h = try await RequestHarness()
        defer { h.close() }
        for email in ["bounce.me@example.org", "later.me@example.org"] {
            _ = try await h.accounts.create(
                AccountApplication(fullName: "Someone", email: email, residence: "uk-gdpr"),
                by: "test"
            )
        }
        let dispatcher = OutboxDispatcher(
            store: h.store,
            transport: try Self.transport("smtp://127.0.0.1:\(server.port)?starttls=off"),
            clock: h.clock,
            officerAddress: "officers@example.invalid"
        )
        let report = try await dispatcher.dispatch()
        #expect(report.failed == 2)
        let failed = try await h.store.storedRows("SELECT status, last_error FROM outbox WHERE status = 'failed'")
        #expect(failed.count == 1)
        #expect(failed.first?["last_error"] == .text("bounced: mail server answered 550 5.1.1 at recipient"))
        let pending = try await h.store.storedRows("SELECT attempts, last_error FROM outbox WHERE status = 'pending'")
        #expect(pending.count == 1)
        #expect(pending.first?["last_error"] == .text("mail server answered 451 4.3.0 at recipient"))
        // The administrator sees the bounce (`lethe outbox failed`), by kind and account, not address.
        let notices = try await Administration(store: h.store, clock: h.clock).failedNotices()
        #expect(notices.map(\.kind) == ["welcome"])
        #expect(notices.first?.lastError?.hasPrefix("bounced: ") == true)
        // Neither error repeats the address the server named.
        #expect(!"\(failed)\(pending)".contains("example.org"))
    }

    static let badURLs: [(String, String)] = [
        ("http://mail.example.com", "smtp:// or smtps://"),
        ("smtp://mail.example.com?starttls=off", "only for a relay on this machine"),
        ("smtp://user@mail.example.com", "without a password"),
        ("smtp://mail.example.com?timeout=0", "timeout"),
        ("smtp://mail.example.com?tls=yes", "unknown LETHE_SMTP_URL setting 'tls'"),
        ("smtps://mail.example.com?starttls=off", "makes no sense"),
    ]

    @Test("a mail URL that cannot be used is refused with what to fix", arguments: badURLs)
    func badURLsRefused(url: String, message: String) {
        #expect {
            _ = try SMTPSettings(url: url)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("the URL's defaults: STARTTLS on 587, TLS on 465; the password never printed")
    func urlDefaults() throws {
        let submission = try SMTPSettings(url: "smtp://relay%40acme:p%40ss@mail.acme.example")
        #expect(submission.port == 587)
        #expect(submission.security == .startTLS)
        #expect(submission.username == "relay@acme")
        #expect(submission.password == "p@ss")
        #expect(!submission.description.contains("p@ss"))
        #expect(try SMTPSettings(url: "smtps://mail.acme.example").port == 465)
        #expect(try SMTPSettings(url: "smtp://[::1]:25?starttls=off").security == .none)
    }
}

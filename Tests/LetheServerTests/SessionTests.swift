import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import Testing

@testable import LetheServer

/// Sign-in, sessions, CSRF and tokens, as a browser and a machine meet them.
@Suite("Sessions and tokens")
struct SessionTests {
    static func signIn(
        _ client: any TestClientProtocol,
        _ username: String,
        _ password: String
    ) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .accept: "text/html"],
            body: ByteBuffer(string: "username=\(username)&password=\(password)")
        )
    }

    static func cookie(_ response: TestResponse, _ name: String) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }

    @Test("a staff session cookie is HttpOnly and SameSite=Strict, and a change with it needs the CSRF token")
    func sessionCookieNeedsCSRF() async throws {
        let server = try await TestServer.make()
        _ = try await server.access.addStaff(username: "olive", role: .officer, password: "a long passphrase", by: "t")
        let account = try await server.customer("csrf.customer@example.com")
        let receipt = try await server.runtime.requests().submit(
            RequestSubmission(kind: .export, accountID: account, channel: .web)
        )
        let id = receipt.outcome.requestID.rawValue
        try await server.test { client in
            let response = try await Self.signIn(client, "olive", "a long passphrase")
            #expect(response.status == .seeOther)
            let setCookie = try #require(Self.cookie(response, "lethe_session"))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            let token = String(setCookie.dropFirst("lethe_session=".count).prefix { $0 != ";" })
            let cookie: HTTPFields = [.cookie: "lethe_session=\(token)", .contentType: "application/json"]
            // A read needs no CSRF token.
            #expect(
                try await client.execute(uri: "/api/v1/requests/\(id)", method: .get, headers: cookie).status == .ok
            )
            // A change without it is refused, and nothing changes.
            let refused = try await client.execute(
                uri: "/api/v1/requests/\(id)/cancel",
                method: .post,
                headers: cookie,
                body: ByteBuffer(string: #"{"reason":"forged"}"#)
            )
            #expect(refused.status == .forbidden)
            #expect(refused.json["type"] as? String == Problem.typeBase + "csrf")
            var withToken = cookie
            withToken[HTTPField.Name("X-CSRF-Token")!] = AccessService.csrfToken(forSession: token)
            let accepted = try await client.execute(
                uri: "/api/v1/requests/\(id)/cancel",
                method: .post,
                headers: withToken,
                body: ByteBuffer(string: #"{"reason":"asked by phone"}"#)
            )
            #expect(accepted.status == .ok)
        }
        #expect(try await server.runtime.store.request(receipt.outcome.requestID)?.request.status == .cancelled)
    }

    @Test("five wrong passwords lock the name for the window, even against the right password")
    func signInIsThrottled() async throws {
        let server = try await TestServer.make()
        _ = try await server.access.addStaff(username: "tara", role: .agent, password: "the right passphrase", by: "t")
        try await server.test { client in
            for _ in 0..<5 {
                #expect(try await Self.signIn(client, "tara", "wrong guess").status == .unauthorized)
            }
            let locked = try await Self.signIn(client, "tara", "the right passphrase")
            #expect(locked.status == .tooManyRequests)
            #expect(Self.cookie(locked, "lethe_session") == nil)
        }
    }

    @Test("an unknown name and a wrong password get the same answer")
    func signInDoesNotRevealNames() async throws {
        let server = try await TestServer.make()
        _ = try await server.access.addStaff(username: "uma", role: .agent, password: "the right passphrase", by: "t")
        try await server.test { client in
            let unknown = try await Self.signIn(client, "nobody", "whatever it is")
            let wrong = try await Self.signIn(client, "uma", "whatever it is")
            #expect(unknown.status == wrong.status)
            #expect(
                unknown.text.replacingOccurrences(of: "nobody", with: "")
                    == wrong.text.replacingOccurrences(of: "uma", with: "")
            )
        }
    }

    @Test("a revoked token stops working at once; the store keeps only token hashes")
    func revokedTokensStop() async throws {
        let server = try await TestServer.make()
        let (record, secret) = try await server.access.issueToken(name: "worker", role: .officer, by: "t")
        try await server.test { client in
            #expect(
                try await client.execute(uri: "/api/v1/requests", method: .get, headers: .bearer(secret)).status == .ok
            )
            try await server.access.revokeToken(record.id, by: "t")
            let after = try await client.execute(uri: "/api/v1/requests", method: .get, headers: .bearer(secret))
            #expect(after.status == .unauthorized)
        }
        for (file, bytes) in try await server.runtime.store.storedFiles() {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "a token secret in \(file)")
        }
    }

    @Test("a new password ends the old sessions and only the new password signs in")
    func newPasswordEndsSessions() async throws {
        let server = try await TestServer.make()
        _ = try await server.access.addStaff(username: "wen", role: .officer, password: "the first passphrase", by: "t")
        let old = try await server.access.signIn(username: "wen", password: "the first passphrase", client: "t")
        try await server.access.setPassword(username: "wen", password: "the second passphrase", by: "admin")
        #expect(try await server.access.principal(sessionToken: old.token) == nil)
        await #expect(throws: AccessError.badCredentials) {
            _ = try await server.access.signIn(username: "wen", password: "the first passphrase", client: "t")
        }
        _ = try await server.access.signIn(username: "wen", password: "the second passphrase", client: "t")
        let audit = try await server.runtime.store.auditEntries(subjectType: "staff", subjectID: "wen")
        #expect(audit.map(\.event.action) == ["staff.added", "staff.password-set"])
        #expect(audit.last?.event.actor == "admin")
    }

    @Test("a disabled user's session ends at once")
    func disablingEndsSessions() async throws {
        let server = try await TestServer.make()
        _ = try await server.access.addStaff(username: "vic", role: .officer, password: "a long passphrase", by: "t")
        let session = try await server.access.signIn(username: "vic", password: "a long passphrase", client: "t")
        #expect(try await server.access.principal(sessionToken: session.token) != nil)
        #expect(try await server.runtime.store.disableStaffUser("vic", at: Date(), by: "admin"))
        #expect(try await server.access.principal(sessionToken: session.token) == nil)
    }
}

/// What an operator watches: health, readiness and Prometheus metrics, none of it personal.
@Suite("Health and metrics")
struct HealthTests {
    @Test("health, readiness and the queue gauges answer without credentials")
    func healthAndMetrics() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("gauge.customer@example.com")
        _ = try await server.runtime.requests().submit(
            RequestSubmission(kind: .export, accountID: account, channel: .web)
        )
        try await server.test { client in
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/ready", method: .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains(#"lethe_requests_open{status="awaiting-verification"} 1"#))
            #expect(metrics.text.contains("lethe_requests_overdue 0"))
            // The audit head, for an outside witness of rollbacks.
            let head = try #require(try await server.runtime.store.auditHead())
            #expect(metrics.text.contains("lethe_audit_head_seq \(head.seq)"))
            #expect(metrics.text.contains("lethe_audit_head_mac48 "))
            #expect(!metrics.text.contains("gauge.customer"))
        }
    }

    @Test("every response carries a request id and the pages' security headers")
    func responsesCarryRequestIDAndSecurityHeaders() async throws {
        let server = try await TestServer.make()
        try await server.test { client in
            let response = try await client.execute(uri: "/login", method: .get)
            #expect(response.headers[HTTPField.Name("X-Request-ID")!]?.count == 12)
            #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
        }
    }
}

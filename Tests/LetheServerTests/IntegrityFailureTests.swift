import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheServer

@Suite(
    "Stored data that fails its integrity check",
    .enabled(if: !TestBackend.isPostgres, "tampers with the SQLite file; the mapping to a problem is shared")
)
struct IntegrityFailureTests {
    @Test("a ciphertext moved to another account is a typed integrity-failure problem and a security event")
    func movedCiphertext() async throws {
        let server = try await TestServer.make()
        let path = try #require(server.runtime.store.sqlitePath)
        let victim = try await server.customer("victim@example.org")
        let other = try await server.customer("other@example.org")
        let token = try await server.token(.admin)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            let email = try Data.fetchOne(
                db,
                sql: "SELECT email FROM accounts WHERE id = ?",
                arguments: [other.description]
            )
            try db.execute(sql: "UPDATE accounts SET email = ? WHERE id = ?", arguments: [email, victim.description])
        }
        try queue.close()
        try await server.test { client in
            let response = try await client.execute(
                uri: "/api/v1/accounts/\(victim)",
                method: .get,
                headers: .bearer(token)
            )
            #expect(response.status.code == 500)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.json["type"] as? String == Problem.typeBase + "integrity-failure")
            // Nothing of either customer's data is in the answer.
            let body = String(buffer: response.body)
            #expect(!body.contains("victim@") && !body.contains("other@"))
        }
        let events = try await server.runtime.evidence.auditEntries(subjectType: "route", subjectID: nil)
        #expect(
            events.contains {
                $0.event.action == "integrity.failed" && $0.event.subjectID == "/api/v1/accounts/\(victim)"
            }
        )
        // The untouched account still reads.
        try await server.test { client in
            let response = try await client.execute(
                uri: "/api/v1/accounts/\(other)",
                method: .get,
                headers: .bearer(token)
            )
            #expect(response.status.code == 200)
        }
    }

    @Test("a ciphertext altered in place is refused the same way")
    func alteredCiphertext() async throws {
        let server = try await TestServer.make()
        let path = try #require(server.runtime.store.sqlitePath)
        let victim = try await server.customer("altered@example.org")
        let token = try await server.token(.admin)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            var name = try #require(
                try Data.fetchOne(
                    db,
                    sql: "SELECT full_name FROM accounts WHERE id = ?",
                    arguments: [victim.description]
                )
            )
            name[name.count - 1] ^= 0x01
            try db.execute(
                sql: "UPDATE accounts SET full_name = ? WHERE id = ?",
                arguments: [name, victim.description]
            )
        }
        try queue.close()
        try await server.test { client in
            let response = try await client.execute(
                uri: "/api/v1/accounts/\(victim)",
                method: .get,
                headers: .bearer(token)
            )
            #expect(response.status.code == 500)
            #expect(response.json["type"] as? String == Problem.typeBase + "integrity-failure")
        }
        let events = try await server.runtime.evidence.auditEntries(subjectType: "route", subjectID: nil)
        #expect(events.contains { $0.event.action == "integrity.failed" })
    }
}

@Suite("The runtime's erasure, as the service wires it")
struct RuntimeErasureTests {
    @Test("erasing a customer through the runtime removes their delivered notices from the mail folder")
    func spoolForgotten() async throws {
        let server = try await TestServer.make()
        let runtime = server.runtime
        let erased = try await server.customer("spooled@example.org")
        let kept = try await server.customer("kept@example.org")
        _ = try await runtime.dispatcher().dispatch()
        let mail = runtime.mailFolder
        func files(mentioning text: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: mail).filter { name in
                let contents = try String(
                    contentsOfFile: (mail as NSString).appendingPathComponent(name),
                    encoding: .utf8
                )
                return contents.contains(text)
            }
        }
        #expect(try !files(mentioning: "spooled@example.org").isEmpty)
        try await runtime.erasure().erase(erased, receipt: RequestID("R-SPOOL-TEST"), at: runtime.clock.now())
        #expect(try files(mentioning: "spooled@example.org").isEmpty)
        #expect(try !files(mentioning: "kept@example.org").isEmpty)
        _ = kept
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheTestSupport
import NIOCore
import Testing

@testable import LetheServer

/// The HTTP surface refuses before it acts: whatever it cannot answer or read is refused with a problem
/// before any handler runs, so nothing changes, and every answer carries the security headers.
@Suite("HTTP surface refusals")
struct HTTPSurfaceTests {
    static let submission = #"{"kind":"export","email":"surface.test@example.org","jurisdiction":"uk-gdpr"}"#

    @Test(
        "an Accept that rules JSON out gets 406 and creates nothing",
        arguments: [
            "text/html", "text/*", "application/xml", "application/json;q=0", "image/png, text/plain",
            "application/problem+json",
        ]
    )
    func notAcceptable(accept: String) async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            var headers = HTTPFields.json(token)
            headers[.accept] = accept
            let response = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: headers,
                body: .json(Self.submission)
            )
            #expect(response.status.code == 406)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.json["type"] as? String == Problem.typeBase + "not-acceptable")
            let token = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: headers,
                body: .json(#"{"name":"never-shown","role":"agent"}"#)
            )
            #expect(token.status.code == 406)
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
        #expect(try await server.runtime.store.apiTokens().allSatisfy { $0.name != "never-shown" })
    }

    @Test(
        "an Accept that admits JSON is served",
        arguments: ["*/*", "application/*", "application/json", "text/html;q=0.5, application/JSON", ""]
    )
    func acceptable(accept: String) async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            var headers = HTTPFields.bearer(token)
            headers[.accept] = accept
            let response = try await client.execute(uri: "/api/v1/requests", method: .get, headers: headers)
            #expect(response.status == .ok)
        }
    }

    @Test(
        "a body that is not UTF-8 JSON, or has no type, gets 415 and creates nothing",
        arguments: [nil, "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded"]
    )
    func unsupportedMediaType(contentType: String?) async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            var headers = HTTPFields.bearer(token)
            if let contentType { headers[.contentType] = contentType }
            let response = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: headers,
                body: .json(Self.submission)
            )
            #expect(response.status.code == 415)
            #expect(response.json["type"] as? String == Problem.typeBase + "unsupported-media-type")
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
    }

    @Test("JSON declared as UTF-8 in any spelling is read")
    func utf8Charset() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            var headers = HTTPFields.bearer(token)
            headers[.contentType] = "application/json; charset=UTF-8"
            let response = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: headers,
                body: .json(Self.submission)
            )
            #expect(response.status == .created, "\(response.text)")
        }
    }

    @Test("a time of receipt with an offset beyond ±18:00 is refused, not read as another day")
    func offsetsOutOfRange() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            for stamp in ["2026-09-03T23:30:00+99:99", "2026-09-03T23:30:00+24:00", "٢٠٢٦-09-03T23:30:00Z"] {
                let response = try await client.execute(
                    uri: "/api/v1/requests",
                    method: .post,
                    headers: .json(token),
                    body: .json(
                        #"{"kind":"export","email":"surface.test@example.org","jurisdiction":"uk-gdpr","receivedAt":"\#(stamp)"}"#
                    )
                )
                #expect(response.status == .badRequest, "\(stamp): \(response.text)")
            }
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
    }

    static let securityHeaders = [
        "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control",
    ]

    @Test(
        "every answer, error or not, carries the security headers",
        arguments: [
            ("/no-such-page", "text/html", false),
            ("/dashboard/requests/R-nothing", "text/html", false),
            ("/api/v1/requests", "application/json", false),
            ("/api/v1/no-such-route", "application/json", true),
            ("/api/v1/requests", "application/json", true),
            ("/health", "application/json", false),
        ]
    )
    func headersOnEveryAnswer(path: String, accept: String, authorised: Bool) async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.auditor)
        try await server.test { client in
            var headers: HTTPFields = authorised ? .bearer(token) : [:]
            headers[.accept] = accept
            let response = try await client.execute(uri: path, method: .get, headers: headers)
            for header in Self.securityHeaders {
                let name = try #require(HTTPField.Name(header))
                #expect(response.headers[name] != nil, "\(path) \(response.status.code) lacks \(header)")
            }
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
        }
    }
}

/// Bodies framed by chunked transfer coding, sent over a real socket (the in-process router has no HTTP
/// framing): too large is 413, broken framing is 400, both problem+json.
@Suite("HTTP body framing")
struct HTTPBodyFramingTests {
    /// ``sendBlocking(_:port:)`` on a thread of its own: the server under test answers on the same
    /// process's cooperative pool (two threads here), which a blocked wait must not hold.
    static func send(_ raw: String, port: Int) async throws -> String {
        try await onOwnThread { try sendBlocking(raw, port: port) }
    }

    /// Sends `raw` to the server on `port` and returns what it answered (status line and headers first).
    static func sendBlocking(_ raw: String, port: Int) throws -> String {
        let script = """
            import socket, sys, threading
            s = socket.create_connection(("localhost", int(sys.argv[1])), timeout=60)
            body = sys.stdin.buffer.read()
            def send():
                try:
                    s.sendall(body)
                except OSError:
                    pass  # the server may answer and close before it has read the whole body: the point
            threading.Thread(target=send, daemon=True).start()
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if b"\\r\\n\\r\\n" in data and b"}" in data.split(b"\\r\\n\\r\\n", 1)[1]:
                        break
            except OSError:
                pass
            sys.stdout.write(data.decode("utf-8", "replace"))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "\(port)"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(raw.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func chunked(_ token: String, chunks: [String]) -> String {
        "POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + chunks.joined()
    }

    @Test("a chunked body over the limit is 413 and a malformed chunk size is 400, and nothing is created")
    func chunkedBodies() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.application().test(.live) { client in
            let port = try #require(client.port)
            let piece = String(repeating: "a", count: 16 * 1024)
            let hex = String(piece.utf8.count, radix: 16)
            let tooLarge = Self.chunked(
                token,
                chunks: [#"1a\#r\#n{"kind":"export","email":"\#r\#n"#]
                    + Array(repeating: "\(hex)\r\n\(piece)\r\n", count: 5) + ["0\r\n\r\n"]
            )
            let large = try await Self.send(tooLarge, port: port)
            #expect(large.hasPrefix("HTTP/1.1 413"), "\(large.prefix(200))")
            #expect(large.contains("application/problem+json"))

            let malformed = Self.chunked(token, chunks: ["zz\r\n{}\r\n0\r\n\r\n"])
            let broken = try await Self.send(malformed, port: port)
            #expect(broken.hasPrefix("HTTP/1.1 400"), "\(broken.prefix(200))")
            #expect(!broken.hasPrefix("HTTP/1.1 500"))
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
    }
}

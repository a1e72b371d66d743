import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Webhook delivery")
struct WebhookTransportTests {
    struct Received: Decodable {
        let headers: [String: String]
        let body: String
        let n: Int
    }

    @Test("Messages are POSTed signed; a failure is retried under the same message id and recorded once")
    func signedAndRetried() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let log = (h.folder as NSString).appendingPathComponent("webhook.jsonl")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("interop/webhook_listener.py")
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A guard against a crashed test only (the test stops it); long enough for a loaded machine.
        listener.arguments = ["python3", script.path, log, "1", "900"]
        let output = Pipe()
        listener.standardOutput = output
        // Never share the test runner's own output streams with a child that might outlive a crash.
        listener.standardError = FileHandle.nullDevice
        listener.standardInput = FileHandle.nullDevice
        try listener.run()
        defer { listener.terminate() }
        let portLine = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)))
        let secret = SecretBytes(Array("webhook-shared-secret-for-tests!".utf8))
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/lethe"))
        let dispatcher = OutboxDispatcher(
            store: h.store,
            transport: WebhookTransport(url: url, secret: secret),
            clock: h.clock,
            officerAddress: "o@example.invalid"
        )
        // One message queued (the welcome); the listener fails the first delivery.
        #expect(try await dispatcher.dispatch() == DispatchReport(delivered: 0, failed: 1))
        #expect(try await dispatcher.dispatch() == DispatchReport())  // backing off
        h.clock.advance(31)
        #expect(try await dispatcher.dispatch() == DispatchReport(delivered: 1, failed: 0))
        #expect(try await dispatcher.dispatch() == DispatchReport())
        var stop = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/shutdown")))
        stop.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: stop)
        listener.waitUntilExit()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let received = try lines.map { try JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
        #expect(received.count == 2)
        #expect(Set(received.map { $0.headers["lethe-message-id"] ?? "" }).count == 1)
        for request in received {
            let header = try #require(request.headers["lethe-signature"])
            let timestamp = try #require(header.split(separator: ",").first.flatMap { Int($0.dropFirst(2)) })
            let expected = try WebhookTransport.signature(
                secret: secret,
                timestamp: timestamp,
                body: Data(request.body.utf8)
            )
            #expect(header == expected)
            #expect(request.body.contains("\"kind\":\"welcome\""))
        }
        // A receiver checking with another secret would reject it.
        let wrong = try WebhookTransport.signature(
            secret: SecretBytes(Array("another-secret".utf8)),
            timestamp: 1,
            body: Data("x".utf8)
        )
        let right = try WebhookTransport.signature(secret: secret, timestamp: 1, body: Data("x".utf8))
        #expect(wrong != right)
    }
}

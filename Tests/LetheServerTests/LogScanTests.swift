import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import Logging
import NIOCore
import Testing

@testable import LetheServer

/// Every log line any test in this process writes after the bootstrap, for scanning.
final class ProcessLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    static let shared: ProcessLogs = {
        let logs = ProcessLogs()
        LoggingSystem.bootstrap { label in Handler(logs: logs, label: label) }
        return logs
    }()

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func append(_ line: String) {
        lock.lock()
        storage.append(line)
        lock.unlock()
    }

    struct Handler: LogHandler {
        let logs: ProcessLogs
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            logs.append("\(label) \(event.level) \(event.message) \(all)")
        }
    }
}

@Suite("No personal data in logs")
struct LogScanTests {
    @Test("the request log, the engine and the access layer write no email, name or code")
    func logsCarryNoPersonalData() async throws {
        let logs = ProcessLogs.shared
        let server = try await TestServer.make()
        let token = try await server.token(.officer)
        _ = try await server.customer("log.scan.person@example.com")
        let application = try buildApplication(server.dependencies, logger: Logger(label: "lethe.server"))
        try await application.test(.router) { client in
            let submitted = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: .json(token),
                body: .json(#"{"kind":"deletion","email":"log.scan.person@example.com","channel":"email"}"#)
            )
            #expect(submitted.status == .created)
            let id = try #require(submitted.json["id"] as? String)
            let code = try #require(try await server.latestCode(to: "log.scan.person@example.com"))
            let wrong = code == "000000" ? "111111" : "000000"
            _ = try await client.execute(
                uri: "/api/v1/requests/\(id)/verify",
                method: .post,
                headers: .json(token),
                body: .json(#"{"code":"\#(wrong)"}"#)
            )
            _ = try await client.execute(
                uri: "/api/v1/requests/\(id)/verify",
                method: .post,
                headers: .json(token),
                body: .json(#"{"code":"\#(code)"}"#)
            )
            var browser = Browser(client: client)
            _ = try await browser.post("/privacy/code", [("email", "log.scan.person@example.com")])
            _ = try await browser.post("/login", [("username", "nobody"), ("password", "log-scan-password-guess")])
            let lines = logs.lines
            #expect(lines.contains { $0.contains("request") && $0.contains("status") })
            for line in lines {
                #expect(!line.contains("log.scan.person"), "\(line)")
                #expect(!line.contains("Test Customer"), "\(line)")
                #expect(!line.contains(code), "\(line)")
                #expect(!line.contains("log-scan-password-guess"), "\(line)")
            }
        }
    }
}

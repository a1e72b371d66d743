import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import LetheTestSupport
import Logging
import NIOCore
import Testing

@testable import LetheServer

/// Every log line any test in this process writes once the scan has started.
enum ProcessLogs {
    static let shared: LogCapture = {
        let capture = LogCapture()
        LoggingSystem.bootstrap { _ in LogCapture.Handler(capture: capture) }
        return capture
    }()
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

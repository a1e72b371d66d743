import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import NIOCore
import OpenAPIRuntime
import Prometheus

@testable import LetheServer

/// A real server stack over a fresh data folder: store, keys, shipped policies, access, pages.
struct TestServer: Sendable {
    let folder: URL
    let runtime: Runtime
    let access: AccessService
    let dependencies: ServerDependencies

    static func make(
        clock: any WallClock = SystemWallClock(),
        policies: PolicySet? = nil,
        environment extra: [String: String] = [:]
    ) async throws -> TestServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-server-\(UUID().uuidString)")
        let configuration = RuntimeConfiguration(
            dataFolder: folder.path,
            databaseURL: try TestBackend.databaseURL(forFolder: folder.path),
            policyFolder: ShippedPolicies.directory.path,
            environment: [
                "LETHE_EXPORTS": folder.appendingPathComponent("exports").path,
                "LETHE_MAIL_FOLDER": folder.appendingPathComponent("mail").path,
            ].merging(extra) { _, given in given }
        )
        let runtime = try await Runtime.open(
            configuration,
            policies: try policies ?? ShippedPolicies.load(),
            clock: clock,
            createKeyIfMissing: true
        )
        // Cheap scrypt in tests: the cost parameters travel with each hash, so the checks are the same.
        let access = AccessService(
            store: runtime.store,
            vault: runtime.vault,
            clock: clock,
            hasher: PasswordHasher(logN: 10)
        )
        let dependencies = ServerDependencies(
            runtime: runtime,
            access: access,
            settings: ServerSettings(secureCookies: false),
            registry: PrometheusCollectorRegistry(),
            pages: try await Pages.load()
        )
        return TestServer(folder: folder, runtime: runtime, access: access, dependencies: dependencies)
    }

    func application() throws -> some ApplicationProtocol {
        try buildApplication(dependencies)
    }

    /// Runs `body` against the router in-process.
    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application().test(.router) { client in try await body(client) }
    }

    /// An API token for `role`.
    func token(_ role: StaffRole) async throws -> String {
        try await access.issueToken(name: "test \(role.rawValue)", role: role, by: "test").secret
    }

    /// A customer account with a known email; returns its id.
    func customer(_ email: String, residence: String = "uk-gdpr") async throws -> AccountID {
        try await runtime.accounts().create(
            AccountApplication(
                fullName: "Test Customer",
                email: email,
                dateOfBirth: LocalDate(year: 1980, month: 2, day: 3),
                residence: residence,
                addresses: [
                    PostalAddress(
                        label: "home",
                        line1: "1 Test Street",
                        city: "Leeds",
                        postalCode: "LS1 1AA",
                        country: "GB"
                    )
                ],
                securityAnswer: "Otter"
            ),
            by: "test"
        )
    }

    /// A request submitted through the engine for `account`, as a channel would; returns its id.
    func submit(
        _ kind: RequestKind,
        for account: AccountID,
        receivedAt: Date? = nil
    ) async throws -> LetheCore.RequestID {
        try await runtime.requests().submit(
            RequestSubmission(kind: kind, accountID: account, channel: .web, receivedAt: receivedAt)
        ).outcome.requestID
    }

    /// The client generated from the OpenAPI document, calling this server in-process with `token`.
    static func api(_ client: any TestClientProtocol, _ token: String) throws -> Client {
        Client(serverURL: try Servers.Server1.url(), transport: TestTransport(client: client, token: token))
    }

    /// The newest six-digit code in the mail folder sent to `email` (the outbox is delivered first).
    /// Delivery is asynchronous: the server's own after-response delivery may hold the message (claimed)
    /// while it writes it, so this waits up to five seconds for the code to arrive, as a customer would.
    func latestCode(to email: String, deliverFirst: Bool = true) async throws -> String? {
        for _ in 0..<50 {
            if deliverFirst { _ = try await runtime.dispatcher().dispatch() }
            if let code = try mailedCode(to: email) { return code }
            if !deliverFirst { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// Every message in the mail folder addressed to `email`, after delivering the outbox. With `text`,
    /// waits up to five seconds for a message holding it: the server's own after-response delivery may
    /// hold the message (claimed) while it writes it, as `latestCode` allows for.
    func mails(to email: String, waitingFor text: String? = nil) async throws -> [String] {
        let mail = folder.appendingPathComponent("mail")
        for _ in 0..<50 {
            _ = try await runtime.dispatcher().dispatch()
            let files = (try? FileManager.default.contentsOfDirectory(at: mail, includingPropertiesForKeys: nil)) ?? []
            let found = try files.filter { $0.pathExtension == "eml" }
                .map { try String(contentsOf: $0, encoding: .utf8) }.filter { $0.contains(email) }
            guard let text, !found.contains(where: { $0.contains(text) }) else { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        return []
    }

    /// Deactivates the account as a verified deactivation does, so a test can bring it back.
    func deactivate(_ account: AccountID) async throws {
        let accounts = runtime.accounts()
        let proof = try await accounts.verifyIdentity(account, proof: .securityAnswer("Otter"), by: "test")
        _ = try await accounts.modify(
            account,
            changes: [.status(.deactivated)],
            verification: proof,
            reason: "the customer asked",
            reference: nil,
            by: "test"
        )
    }

    private func mailedCode(to email: String) throws -> String? {
        let mail = folder.appendingPathComponent("mail")
        let files = (try? FileManager.default.contentsOfDirectory(at: mail, includingPropertiesForKeys: nil)) ?? []
        // The newest message is the one queued last: `lethe-<outbox id>.eml`, ids rising. (File times are
        // whole seconds here, so two codes mailed in one second would tie.)
        var best: (Int64, String)?
        for file in files where file.pathExtension == "eml" {
            guard let id = Int64(file.deletingPathExtension().lastPathComponent.dropFirst("lethe-".count)) else {
                continue
            }
            let text = try String(contentsOf: file, encoding: .utf8)
            guard text.contains(email),
                let range = text.range(of: #"(is|code:) [0-9]{6}\b"#, options: .regularExpression)
            else { continue }
            if id > (best?.0 ?? Int64.min) { best = (id, String(text[range].suffix(6))) }
        }
        return best?.1
    }
}

extension HTTPFields {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
    static func json(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }
}

extension ByteBuffer {
    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}

/// The generated OpenAPI client over the in-process test client: every response it accepts has been
/// decoded against the document (status, content type, required fields, enum values, formats).
struct TestTransport: ClientTransport {
    let client: any TestClientProtocol
    let token: String

    func send(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String
    ) async throws -> (
        HTTPResponse, HTTPBody?
    ) {
        var bytes: ByteBuffer?
        if let body { bytes = ByteBuffer(bytes: try await [UInt8](collecting: body, upTo: 1 << 20)) }
        var headers = request.headerFields
        headers[.authorization] = "Bearer \(token)"
        let response = try await client.executeRequest(
            uri: baseURL.path + (request.path ?? ""),
            method: request.method,
            headers: headers,
            body: bytes
        )
        return (
            HTTPResponse(status: response.status, headerFields: response.headers),
            HTTPBody([UInt8](buffer: response.body))
        )
    }
}

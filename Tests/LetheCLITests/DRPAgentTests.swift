import Foundation
import LetheTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An authorized agent with its own Ed25519 key (PyNaCl, `Tests/interop/drp_agent.py`) against a
/// real `lethe serve`: pairing, every action, status, revoke, callbacks, and every refusal §3.07 names.
@Suite("Data Rights Protocol: an authorized agent against lethe serve", .serialized)
struct DRPAgentTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-drp-\(UUID().uuidString)").path
    static let script = LetheBinary.packageRoot.appendingPathComponent("Tests/interop/drp_agent.py").path
    static let listener = LetheBinary.packageRoot.appendingPathComponent("Tests/interop/webhook_listener.py").path
    static let business = "LETHE_DEMO_BUSINESS"

    var environment: [String: String] {
        [
            "LETHE_EXPORTS": (folder as NSString).appendingPathComponent("exports"),
            "LETHE_MAIL_FOLDER": (folder as NSString).appendingPathComponent("mail"),
            "LETHE_WORKER_INTERVAL": "0.3",
        ]
    }

    func lethe(_ arguments: [String]) throws -> LetheBinary.Result {
        try LetheBinary.run(arguments + ["--data", folder], environment: environment)
    }

    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 \(arguments.first ?? "") failed")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Answer {
        let status: Int
        let body: String
        let json: [String: Any]?
        func string(_ key: String) -> String? { json?[key] as? String }
    }

    /// One HTTP call made by the agent script; `message` is signed with `seed` as PyNaCl signs.
    static func call(_ spec: [String: Any?]) throws -> Answer {
        let cleaned = spec.compactMapValues { $0 }.merging(spec.filter { $0.value == nil }.mapValues { _ in NSNull() })
        {
            $1
        }
        // Sorted keys: the same spec always signs the same bytes (the replay check depends on it).
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys]),
            as: UTF8.self
        )
        let output = try python([script, "call", json])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        return Answer(
            status: parsed["status"] as? Int ?? 0,
            body: parsed["body"] as? String ?? "",
            json: parsed["json"] as? [String: Any]
        )
    }

    /// Instants as the reference agent writes them: milliseconds and `+00:00`.
    static func stamp(_ offset: TimeInterval) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'+00:00'"
        return formatter.string(from: Date().addingTimeInterval(offset))
    }

    static func seed() -> String {
        Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    func port(of log: String) async throws -> Int { try await LetheBinary.listeningPort(in: log) }

    func createAccount(_ name: String, _ email: String, phone: String) throws -> String {
        let created = try lethe([
            "accounts", "create", "--name", name, "--email", email, "--phone", phone, "--residence", "us-ca",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Lethe's own id of the request the agent made for `account`, of `kind`, from the queue listing.
    func letheRequest(kind: String, account: String) throws -> String {
        let listed = try lethe(["requests", "list", "--all", "--kind", kind])
        let line = try #require(
            listed.stdout.split(separator: "\n").first { $0.contains(account) },
            "exit \(listed.status): \(listed.stderr)"
        )
        return try #require(line.split(separator: " ").first { $0.hasPrefix("R-") }.map(String.init))
    }

    @Test("An agent pairs, exercises every action, follows and revokes them; each refusal is the spec's")
    func agentJourney() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["keys", "init"]).status == 0)
        let ada = try createAccount("Ada Agentworth", "ada.drp@example.org", phone: "+1 415 555 0100")
        let bob = try createAccount("Bob Deleteson", "bob.drp@example.org", phone: "+1 415 555 0101")

        // Two agents, each with a key only PyNaCl ever held the private half of.
        let seedA = Self.seed()
        let seedB = Self.seed()
        let keyA = try Self.python([Self.script, "pubkey", seedA])
        let keyB = try Self.python([Self.script, "pubkey", seedB])
        #expect(
            try lethe([
                "agents", "add", "AGENT_A", "--name", "Agent A", "--key", keyA, "--callback-host", "127.0.0.1:*",
            ])
            .status == 0
        )
        #expect(try lethe(["agents", "add", "AGENT_B", "--name", "Agent B", "--key", keyB]).status == 0)
        // A key of small order verifies too much to trust: refused at registration.
        let zero = Data(count: 32).base64EncodedString()
        let refused = try lethe(["agents", "add", "AGENT_Z", "--name", "Zero", "--key", zero])
        #expect(refused.status == 2 && refused.stderr.contains("small order"), "\(refused.stderr)")

        // The agent's callback listener: the first push fails, so delivery is retried.
        let callbacks = (folder as NSString).appendingPathComponent("callbacks.jsonl")
        let listenerProcess = Process()
        listenerProcess.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // It stops itself after its lifetime, and holds none of the runner's pipes meanwhile.
        // A guard against a crashed test only (it is terminated below): with 180 s the listener was
        // gone before the last callback once, when the test took 376 s beside the PostgreSQL pass.
        listenerProcess.arguments = ["python3", Self.listener, callbacks, "1", "900"]
        let listenerOut = Pipe()
        listenerProcess.standardOutput = listenerOut
        listenerProcess.standardError = FileHandle.nullDevice
        listenerProcess.standardInput = FileHandle.nullDevice
        try listenerProcess.run()
        defer { listenerProcess.terminate() }
        let listenerPort = try #require(
            Int(
                String(decoding: listenerOut.fileHandleForReading.availableData, as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        let callbackURL = "http://127.0.0.1:\(listenerPort)/update_status"

        let log = (folder as NSString).appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let server = Process()
        server.executableURL = try LetheBinary.locate()
        server.arguments = ["serve", "--port", "0", "--data", folder]
        server.currentDirectoryURL = LetheBinary.packageRoot
        var env = try LetheBinary.environment(["serve", "--data", folder])
        env.merge(environment) { $1 }
        server.environment = env
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        server.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        let base = "http://127.0.0.1:\(try await port(of: log))/drp"

        func envelope(
            _ agent: String,
            business: String = Self.business,
            issued: TimeInterval = -1,
            expires: TimeInterval = 900
        ) -> [String: Any] {
            [
                "agent-id": agent, "business-id": business, "issued-at": Self.stamp(issued),
                "expires-at": Self.stamp(expires), "drp.version": "1.0",
            ]
        }
        func pair(_ agent: String, seed: String) throws -> Answer {
            try Self.call([
                "base": base, "method": "POST", "path": "/v1/agent/\(agent)", "seed": seed,
                "message": envelope(agent),
            ])
        }

        // §2.05: pairing. Any failure is 403 with no body at all.
        let pairedA = try pair("AGENT_A", seed: seedA)
        #expect(pairedA.status == 200 && pairedA.string("agent-id") == "AGENT_A", "\(pairedA.body)")
        var tokenA = try #require(pairedA.string("token"))
        let forged = try pair("AGENT_A", seed: seedB)
        #expect(forged.status == 403 && forged.body.isEmpty)
        let stranger = try pair("AGENT_UNKNOWN", seed: seedA)
        #expect(stranger.status == 403 && stranger.body.isEmpty)
        let tokenB = try #require(try pair("AGENT_B", seed: seedB).string("token"))

        // §2.06: agent information, for its own id only.
        #expect(
            try Self.call(["base": base, "method": "GET", "path": "/v1/agent/AGENT_A", "token": tokenA]).status == 200
        )
        #expect(
            try Self.call(["base": base, "method": "GET", "path": "/v1/agent/AGENT_A", "token": tokenB]).status == 403
        )

        func exercise(
            _ action: String,
            email: String,
            agent: String = "AGENT_A",
            seed: String? = nil,
            token: String? = nil,
            extra: [String: Any] = [:],
            knobs: [String: Any] = [:]
        ) throws -> Answer {
            var message = envelope(agent)
            message["exercise"] = action
            message["regime"] = "ccpa"
            message["name"] = "Agentworth, Ada"
            message["email"] = email
            message["email_verified"] = true
            message["status_callback"] = callbackURL
            message.merge(extra) { $1 }
            var spec: [String: Any] = [
                "base": base, "method": "POST", "path": "/v1/data-rights-request", "seed": seed ?? seedA,
                "token": token ?? tokenA, "message": message,
            ]
            spec.merge(knobs) { $1 }
            return try Self.call(spec)
        }

        // §2.01: an access request answers in_progress at once, with its statutory date and our echo.
        let access = try exercise("access", email: "ada.drp@example.org", extra: ["agent-request-id": "agent-req-1"])
        #expect(access.status == 200, "\(access.body)")
        #expect(access.string("status") == "in_progress")
        #expect(access.string("agent_request_id") == "agent-req-1")
        #expect(access.string("expected_by") != nil && access.string("received_at") != nil)
        let accessID = try #require(access.string("request_id"))
        #expect(UUID(uuidString: accessID) != nil)

        // Lenient where agents differ: URL-safe unpadded base64, the old underscore action, "voluntary".
        let optOut = try exercise(
            "sale:opt_out",
            email: "ada.drp@example.org",
            extra: ["regime": "voluntary"],
            knobs: ["urlsafe": true, "unpadded": true]
        )
        #expect(optOut.status == 200, "\(optOut.body)")
        #expect(["in_progress", "fulfilled"].contains(optOut.string("status") ?? ""))
        let optIn = try exercise("sale:opt-in", email: "ada.drp@example.org")
        #expect(optIn.status == 200 && optIn.string("status") != nil, "\(optIn.body)")

        // No customer matches: recorded, and denied with the spec's no_match.
        let nobody = try exercise("access", email: "nobody.drp@example.org")
        #expect(nobody.status == 200 && nobody.string("status") == "denied" && nobody.string("reason") == "no_match")

        // §3.07, in order: base64, signature, agent, business, issued-at, expires-at; then replay.
        let badBase64 = try Self.call([
            "base": base, "method": "POST", "path": "/v1/data-rights-request", "token": tokenA, "raw": "!!not*base64!!",
        ])
        #expect(badBase64.status == 400 && badBase64.string("code") == "400", "\(badBase64.body)")
        let tampered = try exercise("access", email: "ada.drp@example.org", knobs: ["tamper": true])
        #expect(tampered.status == 403 && tampered.string("code") == "403")
        let wrongKey = try exercise("access", email: "ada.drp@example.org", seed: seedB)
        #expect(wrongKey.status == 403)
        let wrongAgent = try exercise("access", email: "ada.drp@example.org", agent: "AGENT_B")
        #expect(wrongAgent.status == 403 && wrongAgent.body.contains("agent-id"))
        let wrongBusiness = try exercise(
            "access",
            email: "ada.drp@example.org",
            extra: ["business-id": "SOMEONE_ELSE"]
        )
        #expect(wrongBusiness.status == 403 && wrongBusiness.body.contains("business-id"))
        let early = try exercise("access", email: "ada.drp@example.org", extra: ["issued-at": Self.stamp(3600)])
        #expect(early.status == 400 && early.body.contains("issued-at"))
        let late = try exercise(
            "access",
            email: "ada.drp@example.org",
            extra: ["issued-at": Self.stamp(-1200), "expires-at": Self.stamp(-60)]
        )
        #expect(late.status == 400 && late.json?["fatal"] as? Bool == true)
        var replayMessage = envelope("AGENT_A")
        replayMessage.merge(["exercise": "deletion", "email": "ada.drp@example.org", "email_verified": true]) { $1 }
        let replaySpec: [String: Any] = [
            "base": base, "method": "POST", "path": "/v1/data-rights-request/", "seed": seedA, "token": tokenA,
            "message": replayMessage,
        ]
        let first = try Self.call(replaySpec)
        #expect(first.status == 200, "\(first.body)")  // the deprecated trailing slash is accepted
        let replayed = try Self.call(replaySpec)
        #expect(replayed.status == 409, "\(replayed.body)")

        // §2.02: status, for the owning agent only.
        let status = try Self.call([
            "base": base, "method": "GET", "path": "/v1/data-rights-request/\(accessID)",
            "token": tokenA,
        ])
        #expect(status.status == 200 && status.string("request_id") == accessID)
        let notTheirs = try Self.call([
            "base": base, "method": "GET", "path": "/v1/data-rights-request/\(accessID)",
            "token": tokenB,
        ])
        #expect(notTheirs.status == 403)
        let unknown = try Self.call([
            "base": base, "method": "GET", "path": "/v1/data-rights-request/\(UUID())",
            "token": tokenA,
        ])
        #expect(unknown.status == 404)

        // §2.04: revoke the deletion, signed, on DELETE with no Content-Type, as agents send it.
        let deletionID = try #require(first.string("request_id"))
        let revokeSpec: [String: Any] = [
            "base": base, "method": "DELETE", "path": "/v1/data-rights-request/\(deletionID)", "seed": seedA,
            "token": tokenA, "message": ["reason": "I changed my mind."], "content_type": NSNull(),
        ]
        let anotherRevokes = try Self.call(revokeSpec.merging(["token": tokenB]) { $1 })
        #expect(anotherRevokes.status == 403)
        let revoked = try Self.call(revokeSpec)
        #expect(revoked.status == 200 && revoked.string("status") == "revoked", "\(revoked.body)")
        // Replayed against the same request, the byte-identical revoke is harmless: it answers the status.
        let again = try Self.call(revokeSpec)
        #expect(again.status == 200 && again.string("status") == "revoked", "\(again.body)")
        // The same reason for another request signs to the same bytes (Ed25519 is deterministic, and the
        // revoke object holds only the reason): it is a different revoke, and it is accepted.
        let second = try Self.call(revokeSpec.merging(["path": "/v1/data-rights-request/\(accessID)"]) { $1 })
        #expect(second.status == 200 && second.string("status") == "revoked", "\(second.body)")

        // A new pairing rotates the token: the old one stops working.
        let oldToken = tokenA
        tokenA = try #require(try pair("AGENT_A", seed: seedA).string("token"))
        #expect(
            try Self.call(["base": base, "method": "GET", "path": "/v1/agent/AGENT_A", "token": oldToken]).status == 403
        )
        // A revoked agent's token stops at once.
        let revokedB = try lethe(["agents", "revoke", "AGENT_B"])
        #expect(revokedB.status == 0, "\(revokedB.stderr)")
        #expect(
            try Self.call(["base": base, "method": "GET", "path": "/v1/agent/AGENT_B", "token": tokenB]).status == 403
        )

        // The full path: a deletion for Bob, approved by an officer, erased after its grace period,
        // reported fulfilled to the agent's callback.
        let deletion = try exercise("deletion", email: "bob.drp@example.org", token: tokenA)
        #expect(deletion.status == 200 && deletion.string("status") == "in_progress", "\(deletion.body)")
        let bobDeletionID = try #require(deletion.string("request_id"))
        let letheID = try letheRequest(kind: "deletion", account: bob)
        #expect(try lethe(["requests", "approve", letheID, "--agent", "officer-1"]).status == 0)
        // The grace period starts now (by this run or the server's worker), and ends 40 days on.
        #expect(try lethe(["jobs", "run"]).status == 0)
        for _ in 0..<100 where !(try lethe(["accounts", "show", bob]).stdout.contains("pending-deletion")) {
            try await Task.sleep(for: .milliseconds(200))
        }
        let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(40 * 86_400))
        #expect(try lethe(["jobs", "run", "--as-of", later]).status == 0)
        #expect(try lethe(["requests", "show", letheID]).stdout.contains("Status           completed"))
        let fulfilled = try Self.call([
            "base": base, "method": "GET",
            "path": "/v1/data-rights-request/\(bobDeletionID)", "token": tokenA,
        ])
        #expect(fulfilled.string("status") == "fulfilled", "\(fulfilled.body)")

        // Callbacks: every change reaches the listener as the status object. The listener refused the
        // first post (500), so the outbox must deliver that same status again, after its backoff.
        var lines: [[String: Any]] = []
        var statuses: [[String: Any]] = []
        // Up to four minutes: the refused first post is retried after the outbox's backoff, and on two
        // cores beside the whole PostgreSQL pass everything here runs several times slower.
        for _ in 0..<600 {
            lines = ((try? String(contentsOfFile: callbacks, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            statuses = lines.compactMap {
                ($0["body"] as? String).flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
            }
            let bobFulfilled = statuses.contains {
                $0["request_id"] as? String == bobDeletionID && $0["status"] as? String == "fulfilled"
            }
            let firstBody = lines.first?["body"] as? String
            let retried = lines.dropFirst().contains { $0["body"] as? String == firstBody }
            if bobFulfilled && retried { break }
            try await Task.sleep(for: .milliseconds(400))
        }
        #expect(
            statuses.contains {
                $0["request_id"] as? String == bobDeletionID && $0["status"] as? String == "fulfilled"
            },
            "callbacks: \(statuses)"
        )
        #expect(lines.dropFirst().contains { $0["body"] as? String == lines.first?["body"] as? String })
        #expect(lines.allSatisfy { ($0["headers"] as? [String: String])?["content-type"] == "application/json" })
        // Nothing was pushed for the revoked request: the agent heard `revoked` in the answer itself.
        #expect(!statuses.contains { $0["request_id"] as? String == deletionID })
        if let url = URL(string: "http://127.0.0.1:\(listenerPort)/shutdown") {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            _ = try? await URLSession.shared.data(for: request)
        }
        // The opt-out reached Ada's consent ledger through the agent channel.
        #expect(try lethe(["accounts", "show", ada]).status == 0)
        #expect(try lethe(["audit", "verify"]).status == 0)
    }

    @Test("The business entry is printed from drp.yaml; a directory file imports its agents once, bad keys refused")
    func businessEntryAndImport() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let entry = try LetheBinary.run(["drp", "business-entry"])
        #expect(entry.status == 0, "\(entry.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(entry.stdout.utf8)) as? [String: Any])
        #expect(object["id"] as? String == Self.business)
        #expect(object["api_base"] as? String == "http://127.0.0.1:8080/drp")
        #expect(object["supported_actions"] as? [String] == ["sale:opt-out", "sale:opt-in", "deletion", "access"])

        #expect(try lethe(["keys", "init"]).status == 0)
        let key = try Self.python([Self.script, "pubkey", Self.seed()])
        let hex = Data(repeating: 0x5A, count: 32).map { String(format: "%02x", $0) }.joined()
        let directory = (folder as NSString).appendingPathComponent("agents.json")
        let agents: [[String: String]] = [
            ["id": "CR_AA_DRP_ID_001", "name": "Permission Slip", "verify_key": key, "web_url": "https://ps.example"],
            ["id": "HEX_AGENT", "name": "Old-style hex key", "verify_key": hex],
        ]
        try JSONSerialization.data(withJSONObject: agents).write(to: URL(fileURLWithPath: directory))
        let imported = try lethe(["agents", "import", directory, "--accept", "email"])
        #expect(
            imported.status == 0 && imported.stdout.contains("imported 2 agent(s), 0 already"),
            "\(imported.stderr)"
        )
        let again = try lethe(["agents", "import", directory])
        #expect(again.stdout.contains("imported 0 agent(s), 2 already registered"))
        let listed = try lethe(["agents", "list"]).stdout
        #expect(listed.contains("CR_AA_DRP_ID_001") && listed.contains("email;no-confirm"))
        #expect(try lethe(["agents", "revoke", "HEX_AGENT"]).status == 0)
        #expect(try lethe(["agents", "revoke", "HEX_AGENT"]).status == 2)
        let malformed = try lethe(["agents", "add", "lower_case", "--name", "x", "--key", key])
        #expect(malformed.status == 2 && malformed.stderr.split(separator: "\n").count == 1)
        let badKey = try lethe(["agents", "add", "SHORT_KEY", "--name", "x", "--key", "AAAA"])
        #expect(badKey.status == 2)
    }
}

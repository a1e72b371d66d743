import Foundation
import LetheCrypto
import LetheStore
import LetheTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Several Lethe processes on one PostgreSQL database, as a company runs them behind a load balancer:
/// two `lethe serve` and three `lethe worker` processes sharing the database, the key and the data folder.
@Suite("Several nodes on one PostgreSQL", .serialized, .enabled(if: TestBackend.isPostgres))
struct MultiNodeTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-nodes-\(UUID().uuidString)").path
    static let accounts = 1_000

    var environment: [String: String] {
        [
            "LETHE_EXPORTS": (folder as NSString).appendingPathComponent("exports"),
            "LETHE_MAIL_FOLDER": (folder as NSString).appendingPathComponent("mail"),
            "LETHE_WORKER_ENABLED": "false",
        ]
    }

    /// Starts `lethe` in the background with its output in a file of the folder.
    func start(_ arguments: [String], name: String) throws -> (Process, String) {
        let log = (folder as NSString).appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = try LetheBinary.locate()
        process.arguments = arguments + ["--data", folder]
        process.currentDirectoryURL = LetheBinary.packageRoot
        var env = try LetheBinary.environment(arguments + ["--data", folder])
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        return (process, log)
    }

    func port(of log: String) async throws -> Int { try await LetheBinary.listeningPort(in: log) }

    @Test(
        "Two servers and three workers, one killed with SIGKILL mid-batch: every request completes exactly once"
    )
    func twoServersThreeWorkers() async throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try LetheBinary.run(["keys", "init", "--data", folder]).status == 0)
        let issued = try LetheBinary.run(["tokens", "create", "load", "--role", "officer", "--data", folder])
        #expect(issued.status == 0, "\(issued.stderr)")
        let token = try #require(
            issued.stdout.components(separatedBy: ": ").last?.trimmingCharacters(in: .whitespacesAndNewlines)
        )

        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { process.terminate() }
        }
        var ports: [Int] = []
        for n in 0..<2 {
            let (server, log) = try start(["serve", "--port", "0", "--no-worker"], name: "serve-\(n)")
            processes.append(server)
            ports.append(try await port(of: log))
        }
        var workers: [Process] = []
        for n in 0..<3 {
            let (worker, _) = try start(
                ["worker", "--interval", "0.2", "--lease", "15", "--purge-interval", "0", "--worker", "w\(n)"],
                name: "worker-\(n)"
            )
            workers.append(worker)
            processes.append(worker)
        }
        let api = NodeClient(ports: ports, token: token)

        // A thousand customers, then an export and a deactivation each, through both servers in turn.
        let ids = try await api.concurrently(0..<Self.accounts) { n in
            let account = try await api.post(
                "/api/v1/accounts",
                node: n,
                [
                    "fullName": "Node Tester \(n)", "email": "node.tester\(n)@example.org", "residence": "uk-gdpr",
                    "securityAnswer": "answer \(n)",
                ]
            )
            return (n, account ?? "")
        }
        try #require(ids.allSatisfy { !$0.1.isEmpty }, "every account was created")
        let requests = try await api.concurrently(0..<(2 * Self.accounts)) { n in
            let (index, account) = ids[n / 2]
            let kind = n % 2 == 0 ? "export" : "deactivation"
            let receipt = try await api.post(
                "/api/v1/requests",
                node: n,
                ["kind": kind, "account": account, "channel": "web"]
            )
            guard let id = receipt else { return (kind, "") }
            _ = try await api.post("/api/v1/requests/\(id)/verify", node: n + 1, ["answer": "answer \(index)"])
            _ = try await api.post("/api/v1/requests/\(id)/approve", node: n, [:])
            return (kind, id)
        }
        try #require(Set(requests.map(\.1)).count == 2 * Self.accounts, "every request was acknowledged")

        // The same idempotency key sent to both servers at once is one request.
        let repeated = try await api.concurrently(0..<20) { n in
            let body = [
                "kind": "export", "email": "someone.else\(n)@example.org", "channel": "email",
                "jurisdiction": "uk-gdpr",
            ]
            async let first = api.post("/api/v1/requests", node: 0, body, idempotencyKey: "multi-node-\(n)")
            async let second = api.post("/api/v1/requests", node: 1, body, idempotencyKey: "multi-node-\(n)")
            return (try await first, try await second)
        }
        #expect(repeated.allSatisfy { $0.0 != nil && $0.0 == $0.1 })

        // Kill one worker while it holds leased jobs.
        let keyring = try MasterKeyring.load(file: (folder as NSString).appendingPathComponent("master.key"))
        let store = try await TestBackend.openStore(folder: folder, vault: KeyVault(keyring: keyring))
        defer { Task { await store.close() } }
        func count(_ sql: String) async throws -> Int {
            Int(try await store.storedRows(sql).first?.values.first?.integer ?? -1)
        }
        var killedHolding = 0
        for _ in 0..<600 where killedHolding == 0 {
            // Workers lease as NAME@HOST:PID.
            let held = try await count("SELECT COUNT(*) FROM jobs WHERE status = 'leased' AND leased_by LIKE 'w0@%'")
            if held > 0 {
                kill(workers[0].processIdentifier, SIGKILL)
                killedHolding = held
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(killedHolding > 0, "worker w0 never held a lease to be killed with")
        workers[0].waitUntilExit()

        // Everything completes on the two workers left, the killed one's jobs once their leases run out.
        let total = 2 * Self.accounts
        var completed = 0
        for _ in 0..<900 where completed < total {
            completed = try await count(
                "SELECT COUNT(*) FROM privacy_requests WHERE status = 'completed' AND kind IN ('export', 'deactivation')"
            )
            if completed < total { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(completed == total)
        // Exactly once: one completion per request in its timeline and in the audit trail, one bundle per export.
        #expect(
            try await count(
                """
                SELECT COUNT(*) FROM (SELECT request_id FROM request_events WHERE to_status = 'completed'
                GROUP BY request_id HAVING COUNT(*) <> 1) twice
                """
            ) == 0
        )
        #expect(
            try await count(
                "SELECT COUNT(DISTINCT request_id) FROM request_events WHERE to_status = 'completed'"
            ) == total
        )
        #expect(
            try await count(
                """
                SELECT COUNT(*) FROM (SELECT subject_id FROM audit_log WHERE action = 'request.completed'
                GROUP BY subject_id HAVING COUNT(*) <> 1) twice
                """
            ) == 0
        )
        #expect(try await count("SELECT COUNT(*) FROM export_bundles") == Self.accounts)
        #expect(try await count("SELECT COUNT(DISTINCT request_id) FROM export_bundles") == Self.accounts)
        #expect(try await count("SELECT COUNT(*) FROM accounts WHERE status = 'deactivated'") == Self.accounts)
        #expect(try await count("SELECT COUNT(*) FROM jobs WHERE status <> 'done'") == 0)
        // The killed worker's jobs were finished by the others. Attempts count when a handler starts, so
        // only the job w0 was running when it died can have needed a second one; those it held but never
        // started cost nothing.
        #expect(try await count("SELECT COUNT(*) FROM jobs WHERE attempts > 1") <= 1)
        #expect(try await count("SELECT COUNT(*) FROM jobs WHERE attempts = 0") == 0)
        // Nothing lost: every request acknowledged is there, and the audit chain verifies.
        #expect(try await count("SELECT COUNT(*) FROM privacy_requests") == total + 20)
        #expect(try await store.firstBrokenAuditEntry() == nil)
        let verify = try LetheBinary.run(["audit", "verify", "--data", folder])
        #expect(verify.status == 0, "\(verify.stderr)")

        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.dropFirst(3).allSatisfy { $0.terminationStatus == 0 })  // the workers left stop cleanly
    }
}

/// A small JSON client for the two servers, spreading calls between them.
struct NodeClient: Sendable {
    let ports: [Int]
    let token: String

    func post(
        _ path: String,
        node: Int,
        _ body: [String: String],
        idempotencyKey: String? = nil
    ) async throws -> String? {
        let url = try #require(URL(string: "http://127.0.0.1:\(ports[node % ports.count])\(path)"))
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        // Failures are recorded, not thrown: a throwing child task would leave the group waiting on the others.
        guard let (data, response) = try? await URLSession.shared.data(for: request) else {
            Issue.record("\(path): no answer")
            return nil
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        #expect((200..<300).contains(status), "\(path): \(status) \(String(decoding: data, as: UTF8.self))")
        // Only the id of what was created is needed from an answer.
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String
    }

    /// Runs `body` for every index with 16 calls in flight, returning the results in index order.
    func concurrently<T: Sendable>(
        _ indices: Range<Int>,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results: [Int: T] = [:]
            var next = indices.lowerBound
            while next < indices.upperBound || !group.isEmpty {
                while next < indices.upperBound, results.count + 16 > next - indices.lowerBound {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
                if let (index, value) = try await group.next() { results[index] = value }
            }
            return indices.compactMap { results[$0] }
        }
    }
}

import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import LetheTestSupport
import Testing

/// `lethe purge` and `lethe worker` as real processes on a real data folder.
@Suite("lethe purge and lethe worker", .serialized)
struct PurgeCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-purge-\(UUID().uuidString)").path
    var environment: [String: String] { ["LETHE_EXPORTS": (folder as NSString).appendingPathComponent("Exports")] }

    func lethe(_ arguments: [String]) throws -> LetheBinary.Result {
        try LetheBinary.run(arguments + ["--data", folder], environment: environment)
    }

    /// The data folder's store, opened in this process with the key `lethe demo` generated.
    func openStore() async throws -> SQLStore {
        let keyring = try MasterKeyring.load(file: (folder as NSString).appendingPathComponent("master.key"))
        return try await TestBackend.openStore(folder: folder, vault: KeyVault(keyring: keyring))
    }

    func count(_ sql: String) async throws -> Int {
        let store = try await openStore()
        defer { Task { await store.close() } }
        return Int(try await store.storedRows(sql).first?.values.first?.integer ?? 0)
    }

    @Test(
        "On demo data: a dry run lists what is due and changes nothing, the purge erases it, a second pass is a no-op"
    )
    func demo() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "24"]).status == 0)
        let before = try await count("SELECT COUNT(*) FROM accounts")
        let dry = try lethe(["purge", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("nothing was changed"))
        #expect(dry.stdout.contains("inactive-accounts (identity, erase): would purge 2"))
        #expect(try await count("SELECT COUNT(*) FROM accounts") == before)
        #expect(try await count("SELECT COUNT(*) FROM purge_runs") == 0)
        let run = try lethe(["purge"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(": completed"))
        #expect(try await count("SELECT COUNT(*) FROM accounts") == before - 2)
        #expect(try await count("SELECT COUNT(*) FROM deletion_receipts") == 2)
        let again = try lethe(["purge", "--json"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("\"status\" : \"completed\""))
        #expect(try await count("SELECT COUNT(*) FROM deletion_receipts") == 2)
        #expect(
            try await count(
                "SELECT COUNT(*) FROM purge_counts WHERE run_id = (SELECT id FROM purge_runs ORDER BY started_at DESC LIMIT 1)"
            ) == 0
        )
        let verify = try lethe(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let history = try lethe(["purge", "--history"])
        #expect(history.stdout.split(separator: "\n").count == 2)
        let bad = try lethe(["purge", "--as-of", "next tuesday"])
        #expect(bad.status == 2)
        #expect(bad.stderr.split(separator: "\n").count == 1)
        #expect(bad.stderr.contains("--as-of"))
    }

    @Test(
        "kill -9 in the middle of a large purge: no half-erased customer, and the next run finishes with no duplicates"
    )
    func killAndRerun() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "1"]).status == 0)
        let store = try await openStore()
        let long = Date().addingTimeInterval(-11 * 365 * 86_400)
        func order(_ n: Int) -> Order {
            Order(
                placedAt: long.addingTimeInterval(Double(n)),
                totalCents: 999,
                currency: "EUR",
                status: "delivered",
                items: "Tea cosy",
                shippingAddress: "Musterstadt 10999"
            )
        }
        // 60 dormant customers (erased whole) and 30 active ones with eleven-year-old orders (batch-purged).
        var dormant: [AccountID] = []
        // The demo account's id is random: step over it rather than collide (1 in ~1,100 runs did).
        var free: [AccountID] = []
        var number = 60_000
        while free.count < 90 {
            let candidate = try #require(AccountID(number: number))
            if try await store.account(candidate) == nil { free.append(candidate) }
            number += 1
        }
        for n in 0..<90 {
            let id = free[n]
            try await store.createAccount(
                id,
                NewAccount(
                    fullName: "Sabine Larkspur \(n)",
                    email: "sabine.larkspur.\(n)@example.com",
                    phone: nil,
                    dateOfBirth: nil,
                    residence: "eu-gdpr",
                    addresses: [],
                    securityAnswer: nil,
                    promoCode: nil,
                    preferences: Preferences(language: "de", notifications: [:]),
                    createdAt: long
                ),
                note: RecordNote(
                    accountID: id,
                    at: long,
                    author: "test",
                    changedFields: ["account"],
                    reason: "Opened",
                    reference: nil,
                    verification: nil
                ),
                welcome: OutboxMessage(.welcome(account: id), accountID: id, recipient: nil)
            )
            try await store.addOrders(id, (0..<(n < 60 ? 100 : 1_000)).map(order))
            if n < 60 {
                try await store.updateAccount(
                    id,
                    changes: [.status(.deactivated)],
                    note: RecordNote(
                        accountID: id,
                        at: long,
                        author: "test",
                        changedFields: ["status"],
                        reason: "Deactivated",
                        reference: nil,
                        verification: nil
                    ),
                    notification: nil
                )
                dormant.append(id)
            }
        }
        let ours = free.map { "'\($0)'" }.joined(separator: ",")
        let oldOrders = try await count("SELECT COUNT(*) FROM orders WHERE account_id IN (\(ours))")
        #expect(oldOrders == 60 * 100 + 30 * 1_000)
        let asOf = "2026-11-23T12:00:00Z"
        /// Starts a purge and kills it with SIGKILL as soon as `target`'s checkpoint shows work done.
        func killMidway(_ target: String) async throws -> Int {
            let process = try LetheBinary.start(
                ["purge", "--as-of", asOf, "--batch-size", "40", "--data", folder],
                environment: environment
            )
            let sql = "SELECT COALESCE(SUM(records), 0) FROM purge_counts WHERE target = '\(target)'"
            let before = try await count(sql)
            var progressed = before
            for _ in 0..<5_000 where progressed == before {
                progressed = try await count(sql)
                if progressed == before { try await Task.sleep(for: .milliseconds(2)) }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            return try await count(sql)
        }
        // First in the middle of the customers' erasures, then in the middle of the order batches.
        let erasedAtKill = try await killMidway("inactive-accounts")
        #expect(erasedAtKill > 0 && erasedAtKill < dormant.count)
        // Every dormant customer is either whole or wholly gone with a receipt.
        for id in dormant {
            let rows = try await count("SELECT COUNT(*) FROM orders WHERE account_id = '\(id)'")
            let receipts = try await count("SELECT COUNT(*) FROM deletion_receipts WHERE account_id = '\(id)'")
            let account = try await count("SELECT COUNT(*) FROM accounts WHERE id = '\(id)'")
            #expect((account == 1 && rows == 100 && receipts == 0) || (account == 0 && rows == 0 && receipts == 1))
        }
        #expect(try await killMidway("orders") > 0)
        #expect(try await count("SELECT COUNT(*) FROM purge_runs WHERE status = 'running'") == 1)
        #expect(try await count("SELECT COUNT(*) FROM purge_runs WHERE status = 'interrupted'") == 1)
        #expect(try await count("SELECT COUNT(*) FROM orders WHERE account_id IN (\(ours))") > 0)
        let rerun = try lethe(["purge", "--as-of", asOf, "--batch-size", "40"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("closed interrupted run(s): PR-"))
        #expect(try await count("SELECT COUNT(*) FROM orders WHERE account_id IN (\(ours))") == 0)
        #expect(try await count("SELECT COUNT(*) FROM accounts WHERE id IN (\(ours))") == 30)
        #expect(try await count("SELECT COUNT(*) FROM deletion_receipts WHERE account_id IN (\(ours))") == 60)
        // The three runs' checkpoints add up to exactly what was due: nothing counted, or erased, twice.
        #expect(
            try await count("SELECT SUM(records) FROM purge_counts WHERE target = 'orders'") == 30 * 1_000
        )
        #expect(
            try await count("SELECT SUM(records) FROM purge_counts WHERE target = 'inactive-accounts'") == 60
        )
        #expect(try await count("SELECT COUNT(*) FROM purge_runs WHERE status = 'interrupted'") == 2)
        #expect(try await count("SELECT COUNT(*) FROM audit_log WHERE action = 'retention.purge-interrupted'") == 2)
        #expect(try lethe(["audit", "verify"]).status == 0)
        let third = try lethe(["purge", "--as-of", asOf])
        #expect(third.status == 0)
        #expect(third.stdout.contains("total: purged 0 record(s)"))
    }

    @Test("A second purge while one holds the lease exits 75 naming the holder, and changes nothing")
    func busy() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "12"]).status == 0)
        let store = try await openStore()
        let now = Date()
        let holder = PurgeLeaseHolder(
            holder: "PR-other@\(ProcessInfo.processInfo.hostName):\(getpid())",
            host: ProcessInfo.processInfo.hostName,
            pid: getpid(),
            acquiredAt: now,
            expiresAt: now.addingTimeInterval(300)
        )
        #expect(try await store.acquirePurgeLease(holder, replacing: nil) == nil)
        let accounts = try await count("SELECT COUNT(*) FROM accounts")
        let second = try lethe(["purge"])
        #expect(second.status == 75)
        #expect(second.stderr.contains("another purge is running (PR-other@"))
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        #expect(try await count("SELECT COUNT(*) FROM accounts") == accounts)
        try await store.releasePurgeLease(holder: holder.holder)
        #expect(try lethe(["purge"]).status == 0)
    }

    @Test("lethe worker purges on its schedule and stops cleanly on SIGTERM, releasing the lease")
    func workerStopsOnSigterm() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "24"]).status == 0)
        let worker = try LetheBinary.start(
            ["worker", "--interval", "0.2", "--purge-interval", "3600", "--data", folder],
            environment: environment
        )
        var runs = 0
        for _ in 0..<600 where runs == 0 {
            runs = try await count("SELECT COUNT(*) FROM purge_runs WHERE status = 'completed'")
            if runs == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(runs == 1)
        #expect(worker.isRunning)
        kill(worker.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(15)
        while worker.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!worker.isRunning)
        if worker.isRunning { kill(worker.processIdentifier, SIGKILL) }
        worker.waitUntilExit()
        #expect(worker.terminationReason == .exit)
        #expect(worker.terminationStatus == 0)
        #expect(try await count("SELECT COUNT(*) FROM purge_lease") == 0)
        #expect(try await count("SELECT COUNT(*) FROM purge_runs WHERE status = 'running'") == 0)
        #expect(try await count("SELECT COUNT(*) FROM deletion_receipts") == 2)
    }
}

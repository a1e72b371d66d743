import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

/// What a transport delivered, in order.
actor DeliveryLog {
    private(set) var kinds: [String] = []
    func record(_ kind: String) { kinds.append(kind) }
}

/// Delivers through `inner` and records each delivery, so tests can count notices the spool no longer keeps.
struct RecordingTransport: NotificationTransport {
    let inner: any NotificationTransport
    let log: DeliveryLog
    func deliver(_ envelope: Envelope) async throws {
        try await inner.deliver(envelope)
        await log.record(envelope.kind.rawValue)
    }
    func forget(messageIDs: [String]) async throws { try await inner.forget(messageIDs: messageIDs) }
}

/// A request harness with the processors, a worker and a mail folder.
struct ProcessingHarness {
    let h: RequestHarness
    let mail: String
    let runner: JobRunner
    let dispatcher: OutboxDispatcher
    let exporter: ExportBuilder
    /// Every message the transport delivered, by kind (the spool forgets an erased customer's files).
    let delivered: DeliveryLog

    init() async throws {
        h = try await RequestHarness()
        mail = (h.folder as NSString).appendingPathComponent("mail")
        delivered = DeliveryLog()
        dispatcher = OutboxDispatcher(
            store: h.store,
            transport: RecordingTransport(inner: MailFolderTransport(folder: mail), log: delivered),
            clock: h.clock,
            officerAddress: "o@example.invalid"
        )
        let deletion = DeletionProcessor(
            store: h.store,
            requests: h.requests,
            policies: try ShippedPolicies.load(),
            clock: h.clock,
            dispatcher: dispatcher
        )
        exporter = ExportBuilder(
            store: h.store,
            policies: try ShippedPolicies.load(),
            clock: h.clock,
            random: SeededRandomSource(seed: 9),
            folder: (h.folder as NSString).appendingPathComponent("Exports")
        )
        runner = JobRunner(
            store: h.store,
            handler: ProcessingHandlers(
                deletion: deletion,
                export: exporter,
                requests: h.requests,
                store: h.store,
                clock: h.clock
            ),
            clock: h.clock,
            worker: "test"
        )
    }

    /// A verified, approved request of `kind` for the harness customer.
    func approved(_ kind: RequestKind) async throws -> RequestID {
        let id = try await h.submit(kind).outcome.requestID
        let code = try #require(try await h.lastCode(id))
        #expect(try await h.requests.verifyCode(id, code: code))
        try await h.requests.approve(id, by: "officer-1")
        return id
    }

    func mailKinds() throws -> [String] {
        guard FileManager.default.fileExists(atPath: mail) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: mail).compactMap { name in
            let text = try String(contentsOfFile: (mail as NSString).appendingPathComponent(name), encoding: .utf8)
            return text.split(separator: "\r\n").first { $0.hasPrefix("X-Lethe-Kind: ") }.map {
                String($0.dropFirst(14))
            }
        }
    }
}

@Suite("Deletion and deactivation")
struct DeletionTests {
    @Test("Deletion end to end: grace, confirmation first, erasure with kept records, shredding that reaches backups")
    func endToEnd() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let card = NewPaymentMethod(
            card: try PaymentCardNumber("4242424242424242"),
            cardholderName: "Honora Wrenfield",
            expiry: try CardExpiry(month: 5, year: 2030)
        )
        try await h.store.updateAccount(
            h.customer,
            changes: [.addPaymentMethod(card)],
            note: RecordNote(
                accountID: h.customer,
                at: h.clock.now(),
                author: "t",
                changedFields: ["payment-method"],
                reason: "setup",
                reference: nil,
                verification: nil
            ),
            notification: nil
        )
        try await h.store.addOrders(
            h.customer,
            (0..<3).map {
                Order(
                    placedAt: h.clock.now().addingTimeInterval(Double(-$0) * 86_400),
                    totalCents: 1999,
                    currency: "GBP",
                    status: "delivered",
                    items: "Brass kettle",
                    shippingAddress: "2 Juniper Mews"
                )
            }
        )
        try await h.store.appendConsent(
            h.customer,
            ConsentRecord(
                purpose: "marketing-email",
                granted: true,
                source: "customer",
                sourceDetail: "signup form",
                noticeVersion: "2026-01",
                at: h.clock.now()
            )
        )
        // A backup of the key table and of a ciphertext, taken before the deletion.
        let keyRow = try #require(
            try await h.store.storedRows(
                "SELECT key_id, key_version, master_version, sealed FROM data_keys WHERE account_id = ?",
                [h.customer.description]
            ).first
        )
        let wrappedBackup = WrappedDataKey(
            customerID: h.customer.description,
            id: DataKeyID(
                keyID: UInt32(try #require(keyRow["key_id"]?.integer)),
                version: UInt16(try #require(keyRow["key_version"]?.integer))
            ),
            masterVersion: UInt32(try #require(keyRow["master_version"]?.integer)),
            sealed: Array(try #require(keyRow["sealed"]?.blob))
        )
        let nameBackup = Array(
            try #require(
                try await h.store.storedRows("SELECT full_name FROM accounts WHERE id = ?", [h.customer.description])
                    .first?["full_name"]?.blob
            )
        )

        let id = try await p.approved(.deletion)
        #expect(try await p.runner.runOnce().completed == 1)  // the grace period starts
        #expect(try await h.store.account(h.customer)?.status == .pendingDeletion)
        #expect(try await p.runner.runOnce() == JobRunReport())  // erasure waits for the grace period
        h.clock.advance(15 * 86_400)
        #expect(try await p.runner.runOnce().completed == 1)

        // Confirmation delivered before the erasure; nothing of the customer is left readable, in the
        // database or in the mail spool.
        #expect(await p.delivered.kinds.contains("deletion-confirmation"))
        for name in try FileManager.default.contentsOfDirectory(atPath: p.mail) {
            let text = try String(contentsOfFile: (p.mail as NSString).appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("honora.w@example.org"), "\(name) in the spool still names the erased customer")
        }
        #expect(try await h.store.account(h.customer) == nil)
        #expect(try await h.store.accountID(forEmail: "honora.w@example.org") == nil)
        #expect(try await h.store.isSuppressed(email: "Honora.W@example.org"))
        let receipt = try #require(try await h.store.deletionReceipt(id))
        #expect(
            receipt.erased["accounts"] == 1 && receipt.erased["orders"] == 3 && receipt.erased["payment_methods"] == 1
        )
        #expect(receipt.kept.map(\.category).sorted() == ["consent", "orders"])
        #expect(receipt.kept.first { $0.category == "orders" }?.citation.contains("Art 17(3)(b)") == true)
        let request = try #require(try await h.store.request(id))
        #expect(request.request.status == .completed)
        let audit = try await h.store.auditEntries(subjectType: "account", subjectID: h.customer.description)
        #expect(audit.last?.event.action == "account.erased")
        #expect(try await h.store.firstBrokenAuditEntry() == nil)
        // Kept records carry their legal basis and no personal values.
        let retained = try await h.store.storedRows(
            "SELECT category, data, legal_basis FROM retained_records ORDER BY id"
        )
        #expect(retained.count == 4)
        #expect(
            retained.allSatisfy {
                !($0["data"]?.text ?? "kettle").contains("kettle") && !($0["legal_basis"]?.text ?? "").isEmpty
            }
        )
        // The wrapped key is gone from every database file while the store is still open (SQLite: the
        // erasure checkpoints the WAL away before it is acknowledged; PostgreSQL keeps WAL segments as the
        // operator's retention says, see docs/encryption.md).
        if h.store.sqlitePath != nil {
            let files = try await h.store.storedFiles()
            #expect(files.count >= 2)
            for (file, bytes) in files {
                #expect(bytes.range(of: Data(wrappedBackup.sealed)) == nil, "the destroyed wrapped key is in \(file)")
            }
        }
        // No known plaintext remains in the database files.
        for (file, bytes) in try await h.store.storedFiles() {
            for secret in [
                "Honora", "honora.w@example.org", "Juniper", "4242424242424242", "Brass kettle", "signup form",
            ] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "'\(secret)' in \(file)")
            }
        }
        // The backup copy of the key still opens while its master version exists; rotate and retire it,
        // and the old ciphertext can never be read again.
        let keyring = await h.vault.keyring
        #expect(throws: Never.self) { try keyring.unwrap(wrappedBackup) }
        await h.vault.replaceKeyring(try keyring.rotated())
        while try await h.store.rewrapDataKeys(limit: 100) > 0 {}
        let retired = try await h.vault.keyring.retiring(wrappedBackup.masterVersion)
        #expect(throws: CryptoError.unknownMasterKeyVersion(wrappedBackup.masterVersion)) {
            try retired.unwrap(wrappedBackup)
        }
        #expect(nameBackup.count > FieldCiphertext.overhead)

        // Idempotent: erasing again changes nothing and returns the first receipt.
        try await h.store.enqueue(
            NewJob(.eraseAccount(id), dedupeKey: "erase:again", runAt: h.clock.now())
        )
        #expect(try await p.runner.runOnce().completed == 1)
        #expect(try await h.store.deletionReceipt(id) == receipt)
    }

    @Test("A legal hold stops erasure and says who holds it; releasing it lets erasure finish")
    func legalHold() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let holds = HoldService(store: h.store, clock: h.clock, random: SeededRandomSource(seed: 3))
        let hold = try await holds.place(
            h.customer,
            categories: [],
            reason: "Wrenfield v. Teapot Co",
            owner: "staff:counsel"
        )
        let id = try await p.approved(.deletion)
        _ = try await p.runner.runOnce()
        h.clock.advance(15 * 86_400)
        _ = try await p.runner.runOnce()
        #expect(try await h.store.account(h.customer) != nil)
        #expect(try await h.store.alerts(id).map(\.threshold).contains("held:\(hold.id)"))
        #expect(try await h.store.request(id)?.request.status == .inProgress)
        #expect(try await holds.release(hold.id, by: "staff:counsel"))
        #expect(try await p.runner.runOnce().completed == 1)
        #expect(try await h.store.account(h.customer) == nil)
        #expect(try await h.store.request(id)?.request.status == .completed)
    }

    @Test("Cancelling within the grace period restores the account, and the scheduled erasure does nothing")
    func cancelWithinGrace() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let before = try #require(try await h.store.account(h.customer))
        let id = try await p.approved(.deletion)
        _ = try await p.runner.runOnce()
        #expect(try await h.store.account(h.customer)?.status == .pendingDeletion)
        try await h.requests.cancel(id, reason: "I changed my mind", by: .customer)
        #expect(try await h.store.account(h.customer)?.status == .active)
        h.clock.advance(15 * 86_400)
        #expect(try await p.runner.runOnce().completed == 1)
        let after = try #require(try await h.store.account(h.customer))
        #expect(after.email == before.email && after.fullName == before.fullName && after.status == .active)
        #expect(try await h.store.deletionReceipt(id) == nil)
    }

    @Test("Deactivation suspends the account, keeps it, and revokes sessions")
    func deactivation() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.approved(.deactivation)
        #expect(try await p.runner.runOnce().completed == 1)
        #expect(try await h.store.account(h.customer)?.status == .deactivated)
        #expect(try await h.store.request(id)?.request.status == .completed)
    }

    @Test("a worker killed between the confirmation and the erasure sends no second confirmation on the retry")
    func confirmationOnceAcrossRetries() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.approved(.deletion)
        #expect(try await p.runner.runOnce().completed == 1)  // the grace period starts
        h.clock.advance(15 * 86_400)
        // The same database, through a store whose erasure transaction fails after the confirmation went
        // out: what a kill -9 between delivery and erasure leaves behind.
        let dying = try await TestBackend.openStore(
            folder: h.folder,
            vault: h.vault,
            faults: StoreFaults(["erase.after-retained"])
        )
        let doomed = DeletionProcessor(
            store: dying,
            requests: h.requests,
            policies: try ShippedPolicies.load(),
            clock: h.clock,
            dispatcher: p.dispatcher
        )
        await #expect(throws: StoreError.injectedFault("erase.after-retained")) { try await doomed.erase(id) }
        #expect(try p.mailKinds().filter { $0 == "deletion-confirmation" }.count == 1)
        // The job's retry finds the confirmation delivered and erases.
        #expect(try await p.runner.runOnce().completed == 1)
        #expect(try await h.store.account(h.customer) == nil)
        #expect(try await h.store.request(id)?.request.status == .completed)
        #expect(await p.delivered.kinds.filter { $0 == "deletion-confirmation" }.count == 1)
        #expect(try p.mailKinds().isEmpty)  // the erased customer's spool went with them
        await dying.close()
    }

    @Test("the erasure delivers its own confirmation, however many older notices are waiting")
    func confirmationAheadOfABacklog() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.approved(.deletion)
        #expect(try await p.runner.runOnce().completed == 1)
        // 150 unrelated notices, all older than the confirmation will be and all due.
        for n in 0..<150 {
            _ = try await h.store.enqueueMessage(
                OutboxMessage(
                    .welcome(account: h.customer),
                    accountID: h.customer,
                    recipient: "backlog\(n)@example.org"
                ),
                keyOwner: h.customer.description,
                at: h.clock.now(),
                dedupeKey: nil
            )
        }
        h.clock.advance(15 * 86_400)
        #expect(try await p.runner.runOnce() == JobRunReport(completed: 1))
        #expect(try await h.store.account(h.customer) == nil)
        #expect(try await h.store.deletionReceipt(id) != nil)
    }
}

@Suite("Erased customers stay erased across restores")
struct RestoreTests {
    @Test(
        "restoring a database backup older than an erasure: the next purge erases the customer again, with a receipt",
        .enabled(if: !TestBackend.isPostgres, "restores a copy of the SQLite file; the reconciliation is shared SQL")
    )
    func reErasureAfterRestore() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let file = try h.store.sqliteFile
        let backup = (h.folder as NSString).appendingPathComponent("backup.sqlite")
        // A consistent backup taken before the deletion (what an operator's nightly copy holds).
        let source = try DatabaseQueue(path: file)
        try source.backup(to: try DatabaseQueue(path: backup))
        try source.close()

        let id = try await p.approved(.deletion)
        _ = try await p.runner.runOnce()
        h.clock.advance(15 * 86_400)
        _ = try await p.runner.runOnce()
        #expect(try await h.store.account(h.customer) == nil)
        let journal = SuppressionJournal(path: (h.folder as NSString).appendingPathComponent("suppressions.journal"))
        let policies = try ShippedPolicies.load()
        // The journal outside the database learns the erasure (at the latest at the next purge or start).
        let first = try await SuppressionGuard(store: h.store, journal: journal, policies: policies, clock: h.clock)
            .run()
        #expect(first.journaled >= 1)
        #expect(first.reErased.isEmpty)

        // The database is restored from the backup; the journal, kept apart, is not.
        await h.store.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: file)
        let restored = try SQLStore(folder: h.folder, vault: h.vault)
        #expect(try await restored.account(h.customer) != nil)  // the erased customer is back

        var scheduler = RetentionScheduler(
            store: restored,
            policies: policies,
            clock: h.clock,
            random: SecureRandomSource(),
            eraseJobs: nil,
            exportsFolder: nil,
            mailFolder: nil
        )
        scheduler.suppressions = SuppressionGuard(store: restored, journal: journal, policies: policies, clock: h.clock)
        let report = try await scheduler.run(dryRun: false)
        #expect(report.reErasedAfterRestore == [h.customer.description])
        #expect(try await restored.account(h.customer) == nil)
        #expect(try await restored.accountID(forEmail: "honora.w@example.org") == nil)
        #expect(try await restored.deletionReceipt(id) != nil)
        #expect(try await restored.isSuppressed(email: "honora.w@example.org"))
        let audit = try await restored.auditEntries(subjectType: "account", subjectID: h.customer.description)
        #expect(audit.contains { $0.event.action == "account.re-erased" })
        #expect(try await restored.firstBrokenAuditEntry() == nil)
        // A second pass finds nobody to erase.
        let again = try await scheduler.run(dryRun: false)
        #expect(again.reErasedAfterRestore == nil)
        await restored.close()
    }

    @Test(
        "the journal reads back what it wrote; a torn last line (a crash mid-append) is skipped, damage elsewhere refused"
    )
    func journalLines() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-journal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = SuppressionJournal(path: folder.appendingPathComponent("suppressions.journal").path)
        let entries = [
            SuppressionEntry(
                token: Data([1, 2, 3]),
                kind: .email,
                requestID: RequestID("R-1"),
                indexVersion: 2,
                createdAt: Date(timeIntervalSince1970: 1_700_000_000)
            ),
            SuppressionEntry(
                token: Data([4, 5]),
                kind: .phone,
                requestID: RequestID("R-2"),
                indexVersion: nil,
                createdAt: Date(timeIntervalSince1970: 1_700_000_001)
            ),
        ]
        try journal.append(entries)
        #expect(try journal.read() == entries)
        let mode = try FileManager.default.attributesOfItem(atPath: journal.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("v1 email AQ".utf8))  // torn: no newline, too few fields
        try handle.close()
        #expect(try journal.read() == entries)
        try Data("garbage line\n".utf8 + (try Data(contentsOf: URL(fileURLWithPath: journal.path))))
            .write(to: URL(fileURLWithPath: journal.path))
        #expect(throws: SuppressionJournal.Unreadable.self) { try journal.read() }
    }
}

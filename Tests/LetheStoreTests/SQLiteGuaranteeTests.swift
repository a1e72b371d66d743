import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheTestSupport
import Testing

@testable import LetheStore

@Suite("SQLite store guarantees")
struct SQLiteGuaranteeTests {
    /// Every byte SQLite has on disk for this database: main file, WAL and shared memory.
    func diskBytes(_ path: String) throws -> [(String, Data)] {
        try [path, path + "-wal", path + "-shm"].compactMap { file in
            FileManager.default.fileExists(atPath: file)
                ? (file, try Data(contentsOf: URL(fileURLWithPath: file))) : nil
        }
    }

    func occurs(_ needle: String, in files: [(String, Data)]) -> [String] {
        let bytes = Data(needle.utf8)
        return files.filter { $0.1.range(of: bytes) != nil }.map(\.0)
    }

    @Test("The database and its WAL and shared-memory files are owner-only, even in a folder open to others")
    func filesAreOwnerOnly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-mode-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755]
        )
        let store = try SQLStore(folder: folder, vault: KeyVault(keyring: try MasterKeyring.generate()))
        try await store.createAccount(
            Fixtures.id(77),
            Fixtures.account(),
            note: Fixtures.note(Fixtures.id(77)),
            welcome: Fixtures.welcome(Fixtures.id(77), email: "mode@example.org")
        )
        let file = try #require(store.sqlitePath)
        for path in [file, file + "-wal", file + "-shm"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(path) is \(String(mode, radix: 8))")
        }
        await store.close()
    }

    @Test("Known plaintext email, phone, name, address, card number and answers appear in no database file")
    func plaintextScan() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let id = Fixtures.id(4217)
        let secrets = [
            "zelda.quimby1@example.org", "+442079460001", "2079460001", "Zelda Quimby-1", "Quillfeather Lane",
            "Exampleton", "EX1 2QZ", "Marmalade the cat", "4242424242424242", "4242 4242 4242 4242", "1988-04-17",
            "Opened at the customer's request", "Where is my teapot", "203.0.113.7", "Quimby v. Teapot Co",
            "unknown.requester@example.net", "Caller spelled out her maiden name",
        ]
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "zelda.quimby1@example.org")
        )
        try await store.updateAccount(
            id,
            changes: [
                .addPaymentMethod(
                    NewPaymentMethod(
                        card: try PaymentCardNumber("4242 4242 4242 4242"),
                        cardholderName: "Zelda Quimby-1",
                        expiry: try CardExpiry(month: 1, year: 2030)
                    )
                )
            ],
            note: Fixtures.note(id, fields: ["payment-method"]),
            notification: nil
        )
        try await store.addSupportInteraction(
            id,
            at: Fixtures.created,
            channel: "chat",
            transcript: "Where is my teapot?"
        )
        try await store.addSecurityEvent(
            id,
            at: Fixtures.created,
            kind: "sign-in",
            ipAddress: "203.0.113.7",
            userAgent: nil
        )
        try await store.placeHold(
            LegalHold(
                id: "H-1",
                accountID: id,
                categories: [],
                reason: "Quimby v. Teapot Co",
                owner: "staff:c",
                placedAt: Fixtures.created
            )
        )
        try await store.appendAudit(
            AuditEvent(
                at: Fixtures.created,
                actor: "staff:c",
                action: "reveal",
                subjectType: "account",
                subjectID: id.description,
                fields: ["email"],
                reason: "Caller spelled out her maiden name"
            )
        )
        _ = try await store.createRequest(
            NewRequestRecord(
                request: PrivacyRequest(
                    id: RequestID("R-1"),
                    kind: .export,
                    accountID: nil,
                    jurisdictionID: "us-ca",
                    receivedAt: Fixtures.created
                ),
                channel: .email,
                subjectID: "R-1",
                agentID: nil,
                requesterEmail: "unknown.requester@example.net",
                idempotencyKey: nil,
                schedule: try ShippedPolicies.engine().schedule(
                    DeadlineQuery(jurisdictionID: "us-ca", kind: .access, receivedAt: Fixtures.created)
                ),
                code: nil,
                messages: [
                    OutboxMessage(
                        .receiptAcknowledgement(
                            request: RequestID("R-1"),
                            kind: .export,
                            law: "CCPA",
                            respondBy: LocalDate(instant: Fixtures.created, in: .gmt).adding(days: 45)
                        ),
                        accountID: nil,
                        recipient: "unknown.requester@example.net"
                    )
                ],
                audit: []
            )
        )
        let files = try diskBytes(try store.sqliteFile)
        #expect(files.count >= 2, "expected the main file and the WAL")
        for secret in secrets {
            #expect(occurs(secret, in: files).isEmpty, "'\(secret)' found in \(occurs(secret, in: files))")
        }
        // The scan itself works: values stored in the clear on purpose are found.
        #expect(!occurs("uk-gdpr", in: files).isEmpty)
        #expect(!occurs("TR-04217", in: files).isEmpty)
    }

    @Test("A ciphertext moved to another row, column or customer no longer opens")
    func swappedCiphertexts() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let a = Fixtures.id(1)
        let b = Fixtures.id(2)
        try await store.createAccount(
            a,
            Fixtures.account(1),
            note: Fixtures.note(a),
            welcome: Fixtures.welcome(a, email: "a@example.org")
        )
        try await store.createAccount(
            b,
            Fixtures.account(2),
            note: Fixtures.note(b),
            welcome: Fixtures.welcome(b, email: "b@example.org")
        )
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        try await queue.write { db in
            // Swap the two customers' names, and put A's email into A's name column.
            let nameA = try Data.fetchOne(db, sql: "SELECT full_name FROM accounts WHERE id = 'TR-00001'")
            let nameB = try Data.fetchOne(db, sql: "SELECT full_name FROM accounts WHERE id = 'TR-00002'")
            try db.execute(sql: "UPDATE accounts SET full_name = ? WHERE id = 'TR-00001'", arguments: [nameB])
            try db.execute(sql: "UPDATE accounts SET full_name = ? WHERE id = 'TR-00002'", arguments: [nameA])
            try db.execute(sql: "UPDATE accounts SET email = full_name WHERE id = 'TR-00002'")
        }
        try queue.close()
        await #expect(throws: CryptoError.self) { try await store.account(a) }
        await #expect(throws: CryptoError.self) { try await store.account(b) }
    }

    @Test("A queued notice that can no longer be read fails at once with its reason and does not hold up the queue")
    func unreadableNoticeFails() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        for n in 1...2 {
            try await store.createAccount(
                Fixtures.id(n),
                Fixtures.account(n),
                note: Fixtures.note(Fixtures.id(n)),
                welcome: Fixtures.welcome(Fixtures.id(n), email: "p\(n)@example.org")
            )
        }
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        try await queue.write { db in
            try db.execute(sql: "UPDATE outbox SET kind = 'reminder' WHERE account_id = 'TR-00001'")
        }
        try queue.close()
        let claimed = try await store.claimMessages(limit: 10, now: Fixtures.created + 60, claimFor: 300)
        #expect(claimed.map(\.message.accountID) == [Fixtures.id(2)])
        let rows = try await store.storedRows("SELECT status, last_error FROM outbox WHERE account_id = 'TR-00001'")
        #expect(rows.first?["status"] == .text("failed"))
        #expect(rows.first?["last_error"] == .text("unknown notice kind 'reminder'"))
    }

    static let faultPoints = ["create.after-key", "create.after-account", "create.before-outbox"]

    @Test("A failure at any step of account creation leaves no trace of the account", arguments: faultPoints)
    func crashDuringCreate(point: String) async throws {
        let subject = try await StoreUnderTest.make(.sqlite, faults: StoreFaults([point]))
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let id = Fixtures.id(7)
        await #expect(throws: StoreError.injectedFault(point)) {
            try await store.createAccount(
                id,
                Fixtures.account(),
                note: Fixtures.note(id),
                welcome: Fixtures.welcome(id, email: "x@example.org")
            )
        }
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        let counts = try await queue.read { db in
            try ["accounts", "data_keys", "addresses", "record_notes", "outbox"].map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
            }
        }
        #expect(counts == [0, 0, 0, 0, 0])
    }

    @Test("A failure in the middle of an update applies none of it")
    func crashDuringUpdate() async throws {
        let subject = try await StoreUnderTest.make(.sqlite, faults: StoreFaults(["update.before-notification"]))
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let id = Fixtures.id(8)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "x@example.org")
        )
        await #expect(throws: StoreError.self) {
            try await store.updateAccount(
                id,
                changes: [.fullName("Changed Name"), .email("changed@example.org")],
                note: Fixtures.note(id, fields: ["full-name", "email"]),
                notification: OutboxMessage(
                    .accountChanged(fields: ["full-name", "email"]),
                    accountID: id,
                    recipient: "changed@example.org"
                )
            )
        }
        let account = try #require(try await store.account(id))
        #expect(account.fullName == "Zelda Quimby-1")
        #expect(account.email == "zelda.quimby1@example.org")
        #expect(try await store.recordNotes(RecordNoteQuery(accountID: id)).count == 1)
    }

    @Test("Every encrypted column is classified personal or payment, and every such classified field is encrypted")
    func classificationMatchesSchema() throws {
        let policies = try ShippedPolicies.load()
        let encrypted = Set(EncryptedField.all.map { "\($0.record).\($0.field)" })
        let classified = Set(policies.fields.filter(\.sensitivity.isEncryptedAtRest).map { "\($0.record).\($0.field)" })
        #expect(
            encrypted.subtracting(classified).isEmpty,
            "encrypted but not classified: \(encrypted.subtracting(classified))"
        )
        // Fields classified but stored elsewhere later (export bundles are files) are listed here on purpose.
        let storedOutsideTables: Set<String> = ["export-bundle.contents"]
        #expect(
            classified.subtracting(encrypted).subtracting(storedOutsideTables).isEmpty,
            "classified but not encrypted: \(classified.subtracting(encrypted))"
        )
    }

    @Test("Migrations are named, applied once, and a reopened store keeps its data")
    func migrations() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        #expect(
            try await store.appliedMigrations() == [
                "1-keys", "2-accounts", "3-consents", "4-record-notes-and-escalations", "5-outbox-and-audit",
                "6-holds-and-bundles", "7-privacy-requests", "8-erasure", "9-recipients", "10-retention", "11-access",
                "12-authorized-agents", "13-audit-head", "14-outbox-dedupe", "15-index-versions",
                "16-request-acknowledgement", "17-keyring-nodes", "18-row-bound-fields",
                "19-row-binding-done", "20-correction-requests", "21-appeals", "22-orders-by-account-and-id",
                "23-account-references-indexed",
            ]
        )
        let id = Fixtures.id(9)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "x@example.org")
        )
        let reopened = try SQLStore(folder: subject.folder, vault: subject.vault)
        #expect(try await reopened.account(id)?.fullName == "Zelda Quimby-1")
    }

    @Test("A page of a customer's orders is a seek on (account_id, id), never a sort of the whole history")
    func ordersPageUsesTheIndex() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        let plan = try await queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLStore.ordersPageSQL, arguments: ["TR-00001", 0, 1000])
                .map { $0["detail"] as String }
        }
        #expect(plan == ["SEARCH orders USING INDEX orders_account_id (account_id=? AND id>?)"])
    }

    @Test("Every column that points at an account is indexed, so erasing a customer never scans a table")
    func accountReferencesIndexed() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        let unindexed = try await queue.read { db in
            var found: [String] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                let leading = Set(
                    try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list(?)", arguments: [table]).compactMap
                    {
                        try String.fetchOne(
                            db,
                            sql: "SELECT name FROM pragma_index_info(?) WHERE seqno = 0",
                            arguments: [$0]
                        )
                    }
                )
                for reference in try Row.fetchAll(
                    db,
                    sql: "SELECT \"from\" AS col FROM pragma_foreign_key_list(?) WHERE \"table\" = 'accounts'",
                    arguments: [table]
                ) where !leading.contains(reference["col"] as String) {
                    found.append("\(table).\(reference["col"] as String)")
                }
            }
            return found
        }
        #expect(unindexed.isEmpty, "scanned on every erasure: \(unindexed)")
    }

    @Test("The consent ledger refuses edits")
    func consentLedgerAppendOnly() async throws {
        let subject = try await StoreUnderTest.make(.sqlite)
        defer { subject.close() }
        let store = try #require(subject.sqlite)
        let id = Fixtures.id(12)
        try await store.createAccount(
            id,
            Fixtures.account(),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "x@example.org")
        )
        try await store.appendConsent(
            id,
            ConsentRecord(
                purpose: "analytics",
                granted: true,
                source: "customer",
                sourceDetail: nil,
                noticeVersion: "1",
                at: Fixtures.created
            )
        )
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        await #expect(throws: DatabaseError.self) {
            try await queue.write { db in try db.execute(sql: "UPDATE consents SET granted = 0") }
        }
    }
}

@Suite("Audit chain tamper evidence")
struct AuditTamperTests {
    /// A store with five audit entries, and a way to edit its database behind its back.
    func chain() async throws -> StoreUnderTest {
        let subject = try await StoreUnderTest.make(.sqlite)
        for n in 1...5 {
            try await subject.store.appendAudit(
                AuditEvent(
                    at: Fixtures.created.addingTimeInterval(Double(n)),
                    actor: "staff:officer-\(n)",
                    action: "request.verified",
                    subjectType: "request",
                    subjectID: "R-\(n)"
                )
            )
        }
        #expect(try await subject.store.firstBrokenAuditEntry() == nil)
        return subject
    }

    func tamper(_ subject: StoreUnderTest, _ sql: String) async throws {
        let store = try #require(subject.sqlite)
        let queue = try DatabaseQueue(path: (try store.sqliteFile))
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }

    @Test("An edited entry breaks the chain at that entry")
    func edited() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "UPDATE audit_log SET subject_id = 'R-99' WHERE seq = 3")
        #expect(try await subject.store.firstBrokenAuditEntry() == 3)
    }

    @Test("A deleted entry breaks the chain at the entry after it")
    func deleted() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "DELETE FROM audit_log WHERE seq = 2")
        #expect(try await subject.store.firstBrokenAuditEntry() == 3)
    }

    @Test("Deleting the oldest entry breaks the chain at the next one")
    func deletedAtEnds() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "DELETE FROM audit_log WHERE seq = 1")
        #expect(try await subject.store.firstBrokenAuditEntry() == 2)
    }

    @Test("Reordered entries break the chain")
    func reordered() async throws {
        let subject = try await chain()
        defer { subject.close() }
        // Swap the contents of entries 2 and 4, keeping their sequence numbers.
        try await tamper(
            subject,
            """
            UPDATE audit_log SET at = CASE seq WHEN 2 THEN (SELECT at FROM audit_log WHERE seq = 4) ELSE (SELECT at FROM audit_log WHERE seq = 2) END,
                actor = CASE seq WHEN 2 THEN (SELECT actor FROM audit_log WHERE seq = 4) ELSE (SELECT actor FROM audit_log WHERE seq = 2) END,
                subject_id = CASE seq WHEN 2 THEN (SELECT subject_id FROM audit_log WHERE seq = 4) ELSE (SELECT subject_id FROM audit_log WHERE seq = 2) END,
                mac = CASE seq WHEN 2 THEN (SELECT mac FROM audit_log WHERE seq = 4) ELSE (SELECT mac FROM audit_log WHERE seq = 2) END,
                prev_digest = CASE seq WHEN 2 THEN (SELECT prev_digest FROM audit_log WHERE seq = 4) ELSE (SELECT prev_digest FROM audit_log WHERE seq = 2) END
            WHERE seq IN (2, 4)
            """
        )
        #expect(try await subject.store.firstBrokenAuditEntry() == 2)
    }

    @Test("A MAC recomputed without the key does not verify")
    func forgedMAC() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "UPDATE audit_log SET actor = 'staff:mallory', mac = zeroblob(32) WHERE seq = 5")
        #expect(try await subject.store.firstBrokenAuditEntry() == 5)
    }

    @Test("Deleting the newest entries is detected and names the first missing one")
    func truncated() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "DELETE FROM audit_log WHERE seq >= 4")
        #expect(try await subject.store.firstBrokenAuditEntry() == 4)
        #expect(try await subject.store.auditHead()?.seq == 5)
    }

    @Test("Deleting every entry is detected, not read as an empty chain")
    func allDeleted() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "DELETE FROM audit_log")
        #expect(try await subject.store.firstBrokenAuditEntry() == 1)
    }

    @Test("An append after a truncation does not paper over it: the gap stays")
    func appendAfterTruncation() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "DELETE FROM audit_log WHERE seq = 5")
        let next = try await subject.store.appendAudit(
            AuditEvent(at: Fixtures.created, actor: "staff:a", action: "x", subjectType: "request", subjectID: "R-6")
        )
        #expect(next == 6)
        #expect(try await subject.store.firstBrokenAuditEntry() == 6)
    }

    @Test("Rolling the head back with the entries, or deleting it, is detected")
    func headRolledBack() async throws {
        let subject = try await chain()
        defer { subject.close() }
        // Truncate and move the head to the new end: the head's own MAC does not cover the move.
        try await tamper(
            subject,
            """
            DELETE FROM audit_log WHERE seq = 5;
            UPDATE audit_head SET seq = 4, mac = (SELECT mac FROM audit_log WHERE seq = 4);
            """
        )
        #expect(try await subject.store.firstBrokenAuditEntry() != nil)
        try await tamper(subject, "DELETE FROM audit_head")
        #expect(try await subject.store.firstBrokenAuditEntry() != nil)
    }

    @Test("A chain from before heads existed is anchored at its end, then protected")
    func legacyChainIsAnchored() async throws {
        let subject = try await chain()
        defer { subject.close() }
        try await tamper(subject, "DELETE FROM audit_head")
        try await subject.store.anchorAuditHeadIfMissing()
        #expect(try await subject.store.firstBrokenAuditEntry() == nil)
        #expect(try await subject.store.auditHead()?.seq == 5)
        try await tamper(subject, "DELETE FROM audit_log WHERE seq = 5")
        #expect(try await subject.store.firstBrokenAuditEntry() == 5)
    }

    @Test("An entry holding a NUL, or an id with a control character, is refused and nothing is stored")
    func nulRefused() async throws {
        let subject = try await chain()
        defer { subject.close() }
        for (id, reason) in [("R-1\u{0}x", nil), ("R-1\u{1B}", nil), ("R-1", "because\u{0}")] as [(String, String?)] {
            await #expect(throws: StoreError.self) {
                try await subject.store.appendAudit(
                    AuditEvent(
                        at: Fixtures.created,
                        actor: "staff:a",
                        action: "request.verified",
                        subjectType: "request",
                        subjectID: id,
                        reason: reason
                    )
                )
            }
        }
        #expect(try await subject.store.auditHead()?.seq == 5)
        #expect(try await subject.store.firstBrokenAuditEntry() == nil)
    }
}

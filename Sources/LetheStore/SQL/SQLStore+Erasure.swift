import Foundation
import LetheCore
import LetheCrypto

extension SQLStore {
    /// A stable pseudonym for an erased customer's kept records: linkable to each other (a tax audit asks
    /// for one customer's invoices), not to the account, and not guessable without the key.
    func pseudonym(_ id: AccountID) async throws -> String {
        let mac = try HMACSHA256(key: try await vault.tokenHashingKey()).authenticate(
            Array("lethe/pseudonym/v1|\(id)".utf8)
        )
        return "X-" + mac.prefix(10).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Copies kept orders and consents into `retained_records` with SQL (`json_object` on SQLite,
    /// `json_build_object` on PostgreSQL), then deletes, in one serialized write; after the commit it evicts the
    /// key and, on SQLite, runs a TRUNCATE checkpoint so no copy of the wrapped key is left in the WAL.
    public func eraseCustomer(
        _ id: AccountID,
        request: RequestID,
        plan: ErasurePlan,
        at: Date
    ) async throws -> DeletionReceipt {
        if let done = try await deletionReceipt(request) { return done }
        let account = id.description
        let pseudonym = try await pseudonym(id)
        let signer = try await auditSigner()
        let faults = self.faults
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        let receipt = try await database.write { db -> DeletionReceipt in
            var kept: [KeptCategory] = []
            // Orders: what tax law needs is the date, the amount and the status; items and addresses go.
            // Consent evidence: purpose, decision, source, notice and time; the free-text detail goes.
            // Both are copied inside the database, so memory does not grow with the customer's history.
            // Orders keep their period from the invoice date (the tax rule's trigger is creation); consent
            // evidence from the erasure (its trigger is the erasure).
            let object = db.dialect == .sqlite ? "json_object" : "json_build_object"
            let granted = db.dialect == .sqlite ? "json(CASE granted WHEN 1 THEN 'true' ELSE 'false' END)" : "granted"
            let copies: [(DataCategory, String, String, String?)] = [
                (
                    .orders, "orders",
                    "\(object)('placed_at', placed_at, 'total_cents', total_cents, 'currency', currency, 'status', status)",
                    "placed_at"
                ),
                (
                    .consent, "consents",
                    "\(object)('purpose', purpose, 'granted', \(granted), 'source', source, 'notice_version', notice_version, 'at', at)",
                    nil
                ),
            ]
            for (category, table, minimised, runsFrom) in copies {
                guard case .keepMinimised(let basis, let citation, let until) = plan.decision(category) else {
                    continue
                }
                let period = until.storeValue - at.storeValue
                let retainUntil = runsFrom.map { "\($0) + \(period)" } ?? "\(until.storeValue)"
                try db.execute(
                    sql: """
                        INSERT INTO retained_records (pseudonym, category, data, legal_basis, citation, retain_until, request_id)
                        SELECT ?, ?, \(minimised), ?, ?, \(retainUntil), ? FROM \(table) WHERE account_id = ? ORDER BY id
                        """,
                    arguments: [
                        pseudonym, category.rawValue, basis, citation, request.rawValue, account,
                    ]
                )
                let copied = db.changesCount
                // Records already past their period are not copied to live on; they go with the account.
                try db.execute(
                    sql: "DELETE FROM retained_records WHERE request_id = ? AND category = ? AND retain_until <= ?",
                    arguments: [request.rawValue, category.rawValue, at.storeValue]
                )
                kept.append(
                    KeptCategory(
                        category: category.rawValue,
                        records: copied - db.changesCount,
                        legalBasis: basis,
                        citation: citation,
                        retainUntil: until
                    )
                )
            }
            try faults.check("erase.after-retained")
            // Suppression tokens: the blind indexes themselves, so a restored row is recognised.
            // Each token keeps the master version it was made under, so a lookup knows which key made it.
            if let row = try SQLRow.fetchOne(
                db,
                sql:
                    "SELECT email_index, phone_index, email_index_version, phone_index_version FROM accounts WHERE id = ?",
                arguments: [account]
            ) {
                try db.execute(
                    sql: """
                        INSERT INTO suppressions (token, kind, request_id, created_at, index_version)
                        VALUES (?, 'email', ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [
                        row["email_index"] as Data, request.rawValue, at.storeValue,
                        row["email_index_version"] as Int64?,
                    ]
                )
                if let phone = row["phone_index"] as Data? {
                    try db.execute(
                        sql: """
                            INSERT INTO suppressions (token, kind, request_id, created_at, index_version)
                            VALUES (?, 'phone', ?, ?, ?) ON CONFLICT DO NOTHING
                            """,
                        arguments: [phone, request.rawValue, at.storeValue, row["phone_index_version"] as Int64?]
                    )
                }
            }
            let erased = try Self.deleteAccountRows(db, account: account, faults: faults)
            if let checkpoint = plan.checkpoint { try Self.addToCheckpoint(db, checkpoint, 1) }
            let receipt = DeletionReceipt(
                requestID: request.rawValue,
                accountID: account,
                pseudonym: pseudonym,
                at: at,
                erased: erased,
                kept: kept
            )
            try db.execute(
                sql:
                    "INSERT INTO deletion_receipts (request_id, account_id, pseudonym, at, erased, kept) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    request.rawValue, account, pseudonym, at.storeValue,
                    String(decoding: try encoder.encode(erased), as: UTF8.self),
                    String(decoding: try encoder.encode(kept), as: UTF8.self),
                ]
            )
            try signer.append(
                AuditEvent(
                    at: at,
                    actor: "system:erasure",
                    action: "account.erased",
                    subjectType: "account",
                    subjectID: account,
                    fields: erased.filter { $0.value > 0 }.keys.sorted(),
                    reason: "request \(request.rawValue); kept: "
                        + (kept.isEmpty
                            ? "nothing" : kept.map { "\($0.category) (\($0.citation))" }.joined(separator: "; "))
                ),
                db
            )
            return receipt
        }
        await vault.forget(account)
        // Acknowledged only once no copy of the destroyed key is left in the database's files.
        try await database.scrubDeletedContent()
        return receipt
    }

    /// Reads the row of `deletion_receipts` for the request and decodes its JSON counts.
    public func deletionReceipt(_ request: RequestID) async throws -> DeletionReceipt? {
        let key = request.rawValue
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard
            let row = try await database.read({ db in
                try SQLRow.fetchOne(db, sql: "SELECT * FROM deletion_receipts WHERE request_id = ?", arguments: [key])
            })
        else { return nil }
        return DeletionReceipt(
            requestID: row["request_id"],
            accountID: row["account_id"],
            pseudonym: row["pseudonym"],
            at: Date(storeValue: row["at"]),
            erased: try decoder.decode([String: Int].self, from: Data((row["erased"] as String).utf8)),
            kept: try decoder.decode([KeptCategory].self, from: Data((row["kept"] as String).utf8))
        )
    }

    /// Looks the email's token under every loaded master version up in `suppressions`.
    /// For the package's tests and inspection only: no workflow needs it, so it is not part of the store's contract.
    package func isSuppressed(email: String) async throws -> Bool {
        let tokens = try await emailIndexes(email)
        let arguments = tokens.map { $0 as (any SQLBindable)? }
        return try await database.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM suppressions WHERE token IN (\(Self.placeholders(tokens.count)))",
                arguments: arguments
            ) ?? false
        }
    }

    /// Reads `suppressions` ordered by creation time, then token; rows of an unknown kind are skipped.
    public func suppressionEntries(request: RequestID?) async throws -> [SuppressionEntry] {
        let filter = request == nil ? "" : "WHERE request_id = ?"
        let arguments: SQLArguments = request.map { [$0.rawValue] } ?? []
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT token, kind, request_id, index_version, created_at FROM suppressions \(filter)
                    ORDER BY created_at, token
                    """,
                arguments: arguments
            ).compactMap { row in
                guard let kind = SuppressionEntry.Kind(rawValue: row["kind"]) else { return nil }
                return SuppressionEntry(
                    token: row["token"],
                    kind: kind,
                    requestID: RequestID(row["request_id"] as String),
                    indexVersion: (row["index_version"] as Int64?).map(UInt32.init),
                    createdAt: Date(storeValue: row["created_at"])
                )
            }
        }
    }

    /// Inserts the entries into `suppressions` in one transaction, skipping tokens already listed.
    public func restoreSuppressions(_ entries: [SuppressionEntry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        return try await database.write(.concurrent) { db in
            var added = 0
            for entry in entries {
                try db.execute(
                    sql: """
                        INSERT INTO suppressions (token, kind, request_id, created_at, index_version)
                        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [
                        entry.token, entry.kind.rawValue, entry.requestID.rawValue, entry.createdAt.storeValue,
                        entry.indexVersion.map { Int64($0) },
                    ]
                )
                added += db.changesCount
            }
            return added
        }
    }

    /// Joins `accounts` to `suppressions` on the email and phone tokens; when several erasures listed an
    /// account, the smallest request id is named.
    public func suppressedAccounts() async throws -> [(account: AccountID, request: RequestID)] {
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT a.id AS account, MIN(s.request_id) AS request FROM accounts a
                    JOIN suppressions s ON s.token = a.email_index OR s.token = a.phone_index
                    GROUP BY a.id ORDER BY a.id
                    """
            )
        }
        return try rows.map { (try AccountID($0["account"] as String), RequestID($0["request"] as String)) }
    }

    /// Inserts into `outbox` in one serialized write, which also looks up `dedupe_key` first.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when `keyOwner` has no key (erased or unknown).
    public func enqueueMessage(
        _ message: OutboxMessage,
        keyOwner: String,
        at: Date,
        dedupeKey: String? = nil
    ) async throws -> Int64 {
        guard let codec = try await codec(subject: keyOwner) else {
            throw StoreError.invalidValue(field: "message", reason: "no key for \(keyOwner)")
        }
        let sealed = try OutboxRow(sealing: message, with: codec, at: at)
        return try await database.write { db in
            if let dedupeKey,
                let existing = try Int64.fetchOne(
                    db,
                    sql: "SELECT id FROM outbox WHERE dedupe_key = ?",
                    arguments: [dedupeKey]
                )
            {
                return existing
            }
            try sealed.insert(db)
            let id = try db.lastInsertedRowID()
            if let dedupeKey {
                try db.execute(sql: "UPDATE outbox SET dedupe_key = ? WHERE id = ?", arguments: [dedupeKey, id])
            }
            return id
        }
    }

    /// A cipher under the subject's own key, for files that must die with the customer (export bundles).
    public func fieldCipher(for subject: String) async throws -> FieldCipher? {
        try await codec(subject: subject)?.cipher
    }

    /// Selects `outbox` ids whose `account_id` or `subject_id` is the account.
    public func messageIDs(account: AccountID) async throws -> [Int64] {
        let key = account.description
        return try await database.read { db in
            try Int64.fetchAll(
                db,
                sql: "SELECT id FROM outbox WHERE account_id = ? OR subject_id = ? ORDER BY id",
                arguments: [key, key]
            )
        }
    }

    /// Looks the ids up in `outbox` 500 at a time, one read each.
    public func existingMessageIDs(_ ids: [Int64]) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        var found: Set<Int64> = []
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let part = Array(ids[chunk..<min(ids.count, chunk + 500)])
            let arguments = part.map { $0 as (any SQLBindable)? }
            found.formUnion(
                try await database.read { db in
                    try Int64.fetchAll(
                        db,
                        sql: "SELECT id FROM outbox WHERE id IN (\(Self.placeholders(part.count)))",
                        arguments: arguments
                    )
                }
            )
        }
        return found
    }

    /// Whether the `outbox` row's status is `delivered`; false when the row is gone.
    public func messageDelivered(_ id: Int64) async throws -> Bool {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM outbox WHERE id = ?", arguments: [id]) == "delivered"
        }
    }

    /// Every table that holds a customer's rows, children before the account itself. Both erasure
    /// paths delete through this one list, so a table added later cannot be missed by one of them.
    static let accountTables = [
        "addresses", "payment_methods", "orders", "support_interactions", "security_events", "consents",
        "record_notes", "escalations", "outbox", "legal_holds", "export_bundles", "data_keys",
    ]

    /// Deletes the customer's rows inside the caller's transaction; returns the count per table.
    static func deleteAccountRows(_ db: any SQLSession, account: String, faults: StoreFaults) throws -> [String: Int] {
        var erased: [String: Int] = [:]
        for table in accountTables {
            try db.execute(sql: "DELETE FROM \(table) WHERE account_id = ?", arguments: [account])
            erased[table] = db.changesCount
            try faults.check("erase.after-\(table)")
        }
        try db.execute(sql: "DELETE FROM accounts WHERE id = ?", arguments: [account])
        erased["accounts"] = db.changesCount
        return erased
    }
}

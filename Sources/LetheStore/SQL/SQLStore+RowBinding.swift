import Foundation
import LetheCore
import LetheCrypto

/// A table whose columns hold sealed values, as the re-sealing pass reads it.
struct SealedTable: Sendable {
    /// How the rows of a table are bound.
    enum Binding: Sendable {
        /// By the `seal_ref` column, drawn anew for each row (integer ids are assigned by the database).
        case sealReference
        /// By the row's own id, fixed before it is written (a request, a legal hold, a recipient).
        case rowID
    }

    let table: String
    /// Whether the `id` primary key, walked in order, is an integer (else text).
    let keyIsInteger: Bool
    /// SQL naming the key owner whose data key sealed the row (the table is aliased `t`).
    let owner: String
    let binding: Binding
    let columns: [(name: String, location: FieldLocation)]

    /// Every table with sealed columns except `audit_log`, whose sealed reasons stay unbound: the entry's
    /// MAC covers them, which binds them to their entry, and re-sealing would rewrite the chain.
    static let all: [SealedTable] = [
        SealedTable(
            table: "accounts",
            keyIsInteger: false,
            owner: "t.id",
            binding: .sealReference,
            columns: [
                ("full_name", EncryptedField.fullName), ("email", EncryptedField.email),
                ("phone", EncryptedField.phone), ("date_of_birth", EncryptedField.dateOfBirth),
                ("password_hash", EncryptedField.passwordHash), ("security_answer", EncryptedField.securityAnswer),
                ("notification_settings", EncryptedField.notificationSettings),
            ]
        ),
        SealedTable(
            table: "addresses",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [
                ("line1", EncryptedField.line1), ("line2", EncryptedField.line2), ("city", EncryptedField.city),
                ("postal_code", EncryptedField.postalCode),
            ]
        ),
        SealedTable(
            table: "payment_methods",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [
                ("last4", EncryptedField.last4), ("card_number", EncryptedField.cardNumber),
                ("cardholder_name", EncryptedField.cardholderName), ("expiry", EncryptedField.expiry),
            ]
        ),
        SealedTable(
            table: "orders",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [("items", EncryptedField.orderItems), ("shipping_address", EncryptedField.orderShippingAddress)]
        ),
        SealedTable(
            table: "support_interactions",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [("transcript", EncryptedField.transcript)]
        ),
        SealedTable(
            table: "security_events",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [("ip_address", EncryptedField.ipAddress), ("user_agent", EncryptedField.userAgent)]
        ),
        SealedTable(
            table: "consents",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [("source_detail", EncryptedField.consentSourceDetail)]
        ),
        SealedTable(
            table: "record_notes",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [("reason", EncryptedField.noteReason)]
        ),
        SealedTable(
            table: "escalations",
            keyIsInteger: true,
            owner: "t.account_id",
            binding: .sealReference,
            columns: [
                ("proposed_changes", EncryptedField.escalationChanges), ("reason", EncryptedField.escalationReason),
            ]
        ),
        SealedTable(
            table: "outbox",
            keyIsInteger: true,
            owner: "COALESCE(t.subject_id, t.account_id)",
            binding: .sealReference,
            columns: [("recipient", EncryptedField.outboxRecipient), ("parameters", EncryptedField.outboxParameters)]
        ),
        SealedTable(
            table: "privacy_requests",
            keyIsInteger: false,
            owner: "t.subject_id",
            binding: .rowID,
            columns: [
                ("requester_email", EncryptedField.requesterEmail),
                ("extension_reason", EncryptedField.extensionReason),
                ("agent_permission", EncryptedField.agentPermission),
            ]
        ),
        SealedTable(
            table: "request_events",
            keyIsInteger: true,
            owner: "(SELECT p.subject_id FROM privacy_requests p WHERE p.id = t.request_id)",
            binding: .sealReference,
            columns: [("reason", EncryptedField.requestEventReason)]
        ),
        SealedTable(
            table: "legal_holds",
            keyIsInteger: false,
            owner: "t.account_id",
            binding: .rowID,
            columns: [("reason", EncryptedField.holdReason)]
        ),
        SealedTable(
            table: "recipients",
            keyIsInteger: false,
            owner: "'\(SQLStore.recipientsKeyOwner)'",
            binding: .rowID,
            columns: [("secret", SQLStore.recipientSecret)]
        ),
    ]
}

/// How many values the re-sealing pass bound to their rows, per table.
public struct RowBindingReport: Sendable, Equatable {
    /// Rows re-sealed, by table name; tables with none are absent.
    public let resealed: [String: Int]
    /// Rows left as they were because their owner's key is gone (erased): nothing can open them anyway.
    public let shredded: Int

    /// Rows re-sealed in all.
    public var total: Int { resealed.values.reduce(0, +) }
}

extension SQLStore {
    /// Re-seals every value still in the unbound format `0x01` in the row-bound format `0x02`, bound to its
    /// row (docs/encryption.md). Runs when a process opens the store, until one run has completed; that
    /// run is recorded in `row_binding`, and every later call returns at once without reading a table.
    ///
    /// Each page of rows is re-sealed in one transaction, and a row is rewritten only if it still holds the
    /// values read (a compare on the old ciphertext), so a kill at any point loses nothing and a second
    /// process running the same pass rewrites nothing twice. Only rows whose every sealed value is unbound
    /// are re-sealed, as every row written before was: a row mixing formats had an unbound value put into
    /// it since, and is left to fail its integrity check. Rows whose owner's key is gone stay as they are:
    /// they are ciphertext under a destroyed key, which nothing can open.
    @discardableResult
    public func bindSealedValuesToRows(pageSize: Int = 200) async throws -> RowBindingReport {
        let done = try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM row_binding WHERE id = 1") == true
        }
        guard !done else { return RowBindingReport(resealed: [:], shredded: 0) }
        var resealed: [String: Int] = [:]
        var shredded = 0
        for table in SealedTable.all {
            let (count, skipped) = try await bind(table, pageSize: pageSize)
            if count > 0 { resealed[table.table] = count }
            shredded += skipped
        }
        let now = Date().storeValue
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO row_binding (id, completed_at) VALUES (1, ?) ON CONFLICT DO NOTHING",
                arguments: [now]
            )
        }
        return RowBindingReport(resealed: resealed, shredded: shredded)
    }

    /// One row that still holds unbound values: its key, owner, reference and every sealed column.
    private struct UnboundRow: Sendable {
        let key: SQLValue
        let owner: String
        let values: [Data?]
    }

    private func bind(_ table: SealedTable, pageSize: Int) async throws -> (resealed: Int, shredded: Int) {
        let columns = table.columns.map { "t.\($0.name)" }.joined(separator: ", ")
        // A row that has a reference was written bound; only rows from before are candidates.
        let unreferenced = table.binding == .sealReference ? " AND t.seal_ref IS NULL" : ""
        let select = """
            SELECT t.id AS row_key, \(table.owner) AS row_owner, \(columns) FROM \(table.table) t
            WHERE t.id > ?\(unreferenced) ORDER BY t.id LIMIT ?
            """
        var after: SQLValue = table.keyIsInteger ? .integer(Int64.min) : .text("")
        var resealed = 0
        var shredded = 0
        while true {
            let cursor = after
            let page = try await database.read { db in
                try SQLRow.fetchAll(db, sql: select, arguments: [cursor, pageSize])
            }
            guard let last = page.last else { break }
            after = last.value("row_key") ?? .null
            let unbound = page.compactMap { row -> UnboundRow? in
                let values = table.columns.map { row[$0.name] as Data? }
                // Only rows whose every value is unbound, as every row written before was. A row mixing
                // formats had an unbound value put into it since: re-sealing that would launder it, so it
                // is left to fail its integrity check. The erased-reason marker is no ciphertext: left too.
                let held = values.compactMap { $0 }
                guard !held.isEmpty, held.allSatisfy({ $0.first == FieldCiphertext.formatAES256GCM }),
                    let owner = row["row_owner"] as String?
                else { return nil }
                return UnboundRow(key: row.value("row_key") ?? .null, owner: owner, values: values)
            }
            var updates: [(key: SQLValue, old: [Data?], new: [Data?], reference: Data?)] = []
            var codecs: [String: FieldCodec?] = [:]
            for row in unbound {
                if codecs[row.owner] == nil { codecs[row.owner] = .some(try await codec(subject: row.owner)) }
                guard let customer = codecs[row.owner] ?? nil else {
                    shredded += 1
                    continue
                }
                let reference: RowReference
                switch table.binding {
                case .sealReference: reference = try RowReference.random()
                case .rowID:
                    guard case .text(let id) = row.key else { continue }
                    reference = RowReference(id: id)
                }
                let codec = customer.row(reference)
                let new = try zip(row.values, table.columns).map { value, column -> Data? in
                    guard let value else { return nil }
                    return try codec.seal(customer.openUnbound(value, column.location), column.location)
                }
                updates.append(
                    (row.key, row.values, new, table.binding == .sealReference ? reference.data : nil)
                )
            }
            guard !updates.isEmpty else { continue }
            let batch = updates
            resealed += try await database.write { db in
                var written = 0
                for update in batch {
                    var assignments = table.columns.map { "\($0.name) = ?" }
                    var arguments: [(any SQLBindable)?] = update.new.map { $0 }
                    // Unchanged since read: compared on every old value (NULL-safe), so a concurrent writer wins.
                    let same = db.dialect == .sqlite ? "IS" : "IS NOT DISTINCT FROM"
                    var unchanged = table.columns.map { "\($0.name) \(same) ?" }
                    if let reference = update.reference {
                        assignments.append("seal_ref = ?")
                        arguments.append(reference)
                        unchanged.append("seal_ref IS NULL")
                    }
                    arguments.append(update.key)
                    arguments += update.old.map { $0 }
                    try db.execute(
                        sql: """
                            UPDATE \(table.table) SET \(assignments.joined(separator: ", "))
                            WHERE id = ? AND \(unchanged.joined(separator: " AND "))
                            """,
                        arguments: SQLArguments(arguments)
                    )
                    written += db.changesCount
                }
                return written
            }
        }
        return (resealed, shredded)
    }
}

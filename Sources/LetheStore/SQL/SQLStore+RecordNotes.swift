import Foundation
import LetheCore
import LetheCrypto

// Record notes and escalations: the evidence of each account change, and the changes held for a supervisor.
extension SQLStore {
    /// Filters `record_notes` in SQL (at least one row is asked for), then opens each reason under its account's key.
    public func recordNotes(_ query: RecordNoteQuery) async throws -> [RecordNote] {
        var conditions: [String] = []
        var arguments: [(any SQLBindable)?] = []
        if let account = query.accountID {
            conditions.append("account_id = ?")
            arguments.append(account.description)
        }
        if let author = query.author {
            conditions.append("author = ?")
            arguments.append(author)
        }
        if let from = query.from {
            conditions.append("at >= ?")
            arguments.append(from.storeValue)
        }
        if let to = query.to {
            conditions.append("at < ?")
            arguments.append(to.storeValue)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM record_notes \(whereClause) ORDER BY at DESC, id DESC LIMIT \(max(1, query.limit))"
        let bound = SQLArguments(arguments)
        let rows = try await database.read { db in
            try SQLRow.fetchAll(db, sql: sql, arguments: bound).map(RecordNoteRow.init)
        }
        var codecs: [AccountID: FieldCodec] = [:]
        var notes: [RecordNote] = []
        for row in rows {
            let account = try AccountID(row.account)
            let codec: FieldCodec
            if let cached = codecs[account] {
                codec = cached
            } else {
                codec = try await self.codec(account)
                codecs[account] = codec
            }
            notes.append(try row.open(codec))
        }
        return notes
    }

    /// Inserts an `open` row into `escalations` (changes and reason sealed) with an `account.change-escalated`
    /// audit entry in one transaction; returns the row id.
    public func escalate(
        _ id: AccountID,
        at: Date,
        requestedBy: String,
        kind: String,
        changes: [String: String],
        reason: String
    ) async throws -> Int64 {
        let reference = try RowReference.random()
        let codec = try await codec(id).row(reference)
        let proposed = try codec.sealJSON(changes, EncryptedField.escalationChanges)
        let sealedReason = try codec.seal(reason, EncryptedField.escalationReason)
        let fields = changes.keys.sorted().joined(separator: ",")
        let account = id.description
        let signer = try await auditSigner()
        let held = AuditEvent(
            at: at,
            actor: requestedBy,
            action: "account.change-escalated",
            subjectType: "account",
            subjectID: account,
            fields: changes.keys.sorted()
        )
        return try await database.write { db in
            try signer.append(held, db)
            try db.execute(
                sql: """
                    INSERT INTO escalations (
                        account_id, at, requested_by, kind, changed_fields, proposed_changes, reason, status, seal_ref)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)
                    """,
                arguments: [account, at.storeValue, requestedBy, kind, fields, proposed, sealedReason, reference.data]
            )
            return try db.lastInsertedRowID()
        }
    }

    /// Reads `escalations` of one status, oldest first, and opens each reason; the proposed values stay sealed.
    public func escalations(status: String) async throws -> [Escalation] {
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM escalations WHERE status = ? ORDER BY at",
                arguments: [status]
            ).map { row in
                (
                    id: row["id"] as Int64, account: row["account_id"] as String, at: row["at"] as Double,
                    by: row["requested_by"] as String, kind: row["kind"] as String,
                    fields: row["changed_fields"] as String,
                    reason: row["reason"] as Data, status: row["status"] as String,
                    reference: row["seal_ref"] as Data?
                )
            }
        }
        var result: [Escalation] = []
        for row in rows {
            let account = try AccountID(row.account)
            result.append(
                Escalation(
                    id: row.id,
                    accountID: account,
                    at: Date(storeValue: row.at),
                    requestedBy: row.by,
                    kind: row.kind,
                    changedFields: row.fields.split(separator: ",").map(String.init),
                    reason: try await codec(account).row(try RowReference.stored(row.reference)).open(
                        row.reason,
                        EncryptedField.escalationReason
                    ),
                    status: row.status
                )
            )
        }
        return result
    }
}

import Foundation
import LetheCore
import LetheCrypto

extension SQLStore {
    /// Recipients' secrets are sealed under a key of their own, created on first use.
    static let recipientsKeyOwner = "system:recipients"
    static let recipientSecret = FieldLocation(record: "recipient", field: "secret")

    private func recipientsCodec() async throws -> FieldCodec {
        try await systemCodec(Self.recipientsKeyOwner)
    }

    /// Inserts into `recipients` unless the id exists, with a `recipient.added` audit entry, in one serialized
    /// write; the secret is sealed under the `system:recipients` key (created on first use).
    @discardableResult
    public func addRecipient(_ recipient: Recipient, secret: String, at: Date, by actor: String) async throws -> Bool {
        // Bound to the recipient's id, fixed before it is written.
        let sealed = try await recipientsCodec().row(RowReference(id: recipient.id)).seal(secret, Self.recipientSecret)
        let categories = recipient.categories.map(\.rawValue).sorted().joined(separator: ",")
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: at,
            actor: actor,
            action: "recipient.added",
            subjectType: "recipient",
            subjectID: recipient.id,
            fields: ["categories", "webhook-url", "secret"]
        )
        return try await database.write { db in
            // The id is the key: a second registration under it changes nothing and says so.
            try db.execute(
                sql:
                    "INSERT INTO recipients (id, name, categories, webhook_url, secret, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                arguments: [
                    recipient.id, recipient.name, categories, recipient.webhookURL, sealed, recipient.active,
                    at.storeValue,
                ]
            )
            guard db.changesCount == 1 else { return false }
            try signer.append(audit, db)
            return true
        }
    }

    /// Reads `recipients` by name; secrets are not read.
    public func recipients() async throws -> [Recipient] {
        try await database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM recipients ORDER BY name").map { row in
                Recipient(
                    id: row["id"],
                    name: row["name"],
                    categories: Set(
                        (row["categories"] as String).split(separator: ",").compactMap {
                            DataCategory(rawValue: String($0))
                        }
                    ),
                    webhookURL: row["webhook_url"],
                    active: row["active"]
                )
            }
        }
    }

    /// Opens the recipient's sealed secret; nil when there is no such recipient.
    public func recipientSecret(_ id: String) async throws -> String? {
        guard
            let sealed = try await database.read({ db in
                try Data.fetchOne(db, sql: "SELECT secret FROM recipients WHERE id = ?", arguments: [id])
            })
        else { return nil }
        return try await recipientsCodec().row(RowReference(id: id)).open(sealed, Self.recipientSecret)
    }

    /// Inserts `pending` rows into `request_recipients` in one transaction, skipping pairs already recorded.
    public func addRequestRecipients(_ request: RequestID, recipients: [String], action: String, at: Date) async throws
    {
        try faults.check("recipients.add")
        try await database.write { db in
            for recipient in recipients {
                try db.execute(
                    sql: """
                        INSERT INTO request_recipients (request_id, recipient_id, action, status, updated_at)
                        VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [request.rawValue, recipient, action, at.storeValue]
                )
            }
        }
    }

    /// Joins `request_recipients` to `recipients`, ordered by recipient name.
    public func requestRecipients(_ request: RequestID) async throws -> [RequestRecipient] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT rr.recipient_id, r.name, rr.action, rr.status, rr.note FROM request_recipients rr
                    JOIN recipients r ON r.id = rr.recipient_id WHERE rr.request_id = ? ORDER BY r.name
                    """,
                arguments: [request.rawValue]
            ).map { row in
                RequestRecipient(
                    recipientID: row["recipient_id"],
                    name: row["name"],
                    action: row["action"],
                    status: RecipientStatus(rawValue: row["status"]) ?? .pending,
                    note: row["note"]
                )
            }
        }
    }

    /// Moves a `pending` row of `request_recipients` with a `recipient.<status>` audit entry in one
    /// transaction; the note is stored as given, not sealed.
    public func settleRecipient(
        _ request: RequestID,
        recipient: String,
        status: RecipientStatus,
        note: String?,
        at: Date
    ) async throws
        -> Bool
    {
        let signer = try await auditSigner()
        return try await database.write { db in
            try db.execute(
                sql:
                    "UPDATE request_recipients SET status = ?, note = ?, updated_at = ? WHERE request_id = ? AND recipient_id = ? AND status = 'pending'",
                arguments: [status.rawValue, note, at.storeValue, request.rawValue, recipient]
            )
            guard db.changesCount == 1 else { return false }
            try signer.append(
                AuditEvent(
                    at: at,
                    actor: "system:recipients",
                    action: "recipient.\(status.rawValue)",
                    subjectType: "request",
                    subjectID: request.rawValue,
                    fields: [recipient]
                ),
                db
            )
            return true
        }
    }
}

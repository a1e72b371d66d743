import Foundation
import GRDB
import LetheCore

extension SQLiteStore {
    public func pendingMessages(limit: Int, now: Date) async throws -> [PendingMessage] {
        let rows = try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [now.storeValue, limit]
            ).map { row in
                (
                    id: row["id"] as Int64, account: row["account_id"] as String?,
                    subject: row["subject_id"] as String?,
                    kind: row["kind"] as String,
                    recipient: row["recipient"] as Data?, parameters: row["parameters"] as Data?,
                    attempts: row["attempts"] as Int, created: row["created_at"] as Double
                )
            }
        }
        var messages: [PendingMessage] = []
        for row in rows {
            let account = try row.account.map { try AccountID($0) }
            var recipient: String?
            var parameters: [String: String] = [:]
            if let subject = row.subject ?? row.account, let codec = try await codec(subject: subject) {
                recipient = try codec.openOptional(row.recipient, EncryptedField.outboxRecipient)
                if let data = row.parameters {
                    parameters = try codec.openJSON([String: String].self, data, EncryptedField.outboxParameters)
                }
            }
            messages.append(
                PendingMessage(
                    id: row.id,
                    message: OutboxMessage(
                        kind: row.kind,
                        accountID: account,
                        recipient: recipient,
                        parameters: parameters
                    ),
                    attempts: row.attempts,
                    createdAt: Date(storeValue: row.created)
                )
            )
        }
        return messages
    }

    public func markDelivered(_ id: Int64, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'delivered', delivered_at = ? WHERE id = ?",
                arguments: [at.storeValue, id]
            )
        }
    }

    public func markFailed(_ id: Int64, error: String, retryAt: Date, maxAttempts: Int) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
                        status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END
                    WHERE id = ?
                    """,
                arguments: [String(error.prefix(300)), retryAt.storeValue, maxAttempts, id]
            )
        }
    }
}

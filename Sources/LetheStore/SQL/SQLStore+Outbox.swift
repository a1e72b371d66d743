import Foundation
import LetheCore

extension SQLStore {
    /// Reads due `pending` rows of `outbox` by `next_attempt_at`, then id, and opens them; a message whose
    /// key was shredded comes back without recipient or parameters.
    /// For the package's tests and inspection only: no workflow needs it, so it is not part of the store's contract.
    package func pendingMessages(limit: Int, now: Date) async throws -> [PendingMessage] {
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [now.storeValue, limit]
            ).map(OutboxRow.init)
        }
        return try await open(rows)
    }

    /// Pushes `next_attempt_at` of the due rows to the end of the claim in one concurrent write, with
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL, then opens them outside the transaction.
    public func claimMessages(limit: Int, now: Date, claimFor: TimeInterval) async throws -> [PendingMessage] {
        let until = now.addingTimeInterval(claimFor).storeValue
        // Claiming pushes the next attempt past the claim, so no other worker takes the message while this
        // one delivers it; delivery (or its failure) then sets the message's real state. A worker that dies
        // holding a claim lets the message go again when the claim runs out: at least once, same message id.
        let rows = try await database.write(.concurrent) { db in
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?\(db.skipLocked)
                    """,
                arguments: [now.storeValue, limit]
            ).map(OutboxRow.init)
            for row in rows {
                try db.execute(sql: "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", arguments: [until, row.id])
            }
            return rows
        }
        return try await open(rows)
    }

    /// Claims the one row as ``claimMessages(limit:now:claimFor:)`` does; nil when it is not pending, not
    /// due, already claimed, or locked by another worker.
    public func claimMessage(_ id: Int64, now: Date, claimFor: TimeInterval) async throws -> PendingMessage? {
        let until = now.addingTimeInterval(claimFor).storeValue
        let rows = try await database.write(.concurrent) { db in
            let rows = try SQLRow.fetchAll(
                db,
                sql:
                    "SELECT * FROM outbox WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?\(db.skipLocked)",
                arguments: [id, now.storeValue]
            ).map(OutboxRow.init)
            for row in rows {
                try db.execute(sql: "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", arguments: [until, row.id])
            }
            return rows
        }
        return try await open(rows).first
    }

    private func open(_ rows: [OutboxRow]) async throws -> [PendingMessage] {
        var messages: [PendingMessage] = []
        for row in rows {
            // Rows read from the table always carry their id.
            guard let id = row.id else { continue }
            let account = try row.account.map { try AccountID($0) }
            var recipient: String?
            var parameters: [String: String] = [:]
            if let subject = row.subject ?? row.account, let customer = try await codec(subject: subject) {
                let codec = customer.row(try RowReference.stored(row.sealRef))
                recipient = try codec.openOptional(row.recipient, EncryptedField.outboxRecipient)
                if let data = row.parameters {
                    parameters = try codec.openJSON([String: String].self, data, EncryptedField.outboxParameters)
                }
            }
            let notice: Notice
            do {
                notice = try Notice(kind: row.kind, parameters: parameters)
            } catch let error as NoticeDecodingError {
                // Unreadable for good (its key was destroyed, or its kind is unknown): it fails at once
                // instead of blocking the queue, and says why.
                try await database.write(.concurrent) { db in
                    try db.execute(
                        sql: "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                        arguments: [error.description, id]
                    )
                }
                continue
            }
            messages.append(
                PendingMessage(
                    id: id,
                    message: OutboxMessage(notice, accountID: account, recipient: recipient),
                    attempts: row.attempts,
                    createdAt: Date(storeValue: row.created)
                )
            )
        }
        return messages
    }

    /// Reads `failed` rows' kind, account, attempts and error, newest first; nothing sealed is opened.
    public func failedMessages(limit: Int) async throws -> [FailedNotice] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT id, kind, account_id, attempts, last_error, created_at FROM outbox WHERE status = 'failed'
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                FailedNotice(
                    id: row["id"],
                    kind: row["kind"],
                    accountID: row["account_id"],
                    attempts: row["attempts"],
                    lastError: row["last_error"],
                    createdAt: Date(storeValue: row["created_at"])
                )
            }
        }
    }

    /// Sets the row's status to `delivered` with `delivered_at` and, for a receipt acknowledgement, the
    /// request's `acknowledged_at` (first delivery only), in one concurrent write.
    public func markDelivered(_ id: Int64, at: Date) async throws {
        try await database.write(.concurrent) { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'delivered', delivered_at = ? WHERE id = ?",
                arguments: [at.storeValue, id]
            )
            try db.execute(
                sql: """
                    UPDATE privacy_requests SET acknowledged_at = ?
                    WHERE acknowledged_at IS NULL
                        AND id = (SELECT request_id FROM outbox WHERE id = ? AND kind = ?)
                    """,
                arguments: [at.storeValue, id, NoticeKind.receiptAcknowledgement.rawValue]
            )
        }
    }

    /// Reads the request's `acknowledged_at`, then its acknowledgement rows in `outbox`.
    public func acknowledgement(of request: RequestID) async throws -> AcknowledgementStatus {
        let key = request.rawValue
        return try await database.read { db in
            if let at = try Double.fetchOne(
                db,
                sql: "SELECT acknowledged_at FROM privacy_requests WHERE id = ?",
                arguments: [key]
            ) {
                return .sent(at: Date(storeValue: at))
            }
            let rows = try SQLRow.fetchAll(
                db,
                sql: "SELECT status, attempts FROM outbox WHERE request_id = ? AND kind = ? ORDER BY id",
                arguments: [key, NoticeKind.receiptAcknowledgement.rawValue]
            )
            guard let row = rows.last else { return .notQueued }
            return row["status"] as String == "failed" ? .failed : .waiting(attempts: row["attempts"])
        }
    }

    /// Counts the attempt, keeps the first 300 characters of `error`, and sets the row back to `pending` at
    /// `retryAt`, or to `failed` once `maxAttempts` is reached, in one concurrent write.
    public func markFailed(_ id: Int64, error: String, retryAt: Date, maxAttempts: Int) async throws {
        try await database.write(.concurrent) { db in
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

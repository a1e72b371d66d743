import Foundation
import LetheCore
import LetheCrypto

// Request alerts: each raised once, with its notice and audit entry in the same transaction.
extension SQLStore {
    /// Inserts into `request_alerts` (`ON CONFLICT DO NOTHING`), then the message and audit entry, in one
    /// serialized write. Also returns false, raising nothing, when a message is given but the request or its
    /// subject's key is gone.
    public func raiseAlert(_ alert: RequestAlert, message: OutboxMessage?, audit: AuditEvent) async throws -> Bool {
        try faults.check("alert.raise")
        let key = alert.requestID.rawValue
        var sealed: OutboxRow?
        if let message {
            guard
                let subject = try await database.read({ db in
                    try String.fetchOne(
                        db,
                        sql: "SELECT subject_id FROM privacy_requests WHERE id = ?",
                        arguments: [key]
                    )
                }), let codec = try await codec(subject: subject)
            else { return false }
            sealed = try OutboxRow(sealing: message, with: codec, at: alert.at)
        }
        let signer = try await auditSigner()
        let toInsert = sealed
        return try await database.write { db in
            try db.execute(
                sql:
                    "INSERT INTO request_alerts (request_id, threshold, level, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [key, alert.threshold, alert.level, alert.at.storeValue]
            )
            guard db.changesCount == 1 else { return false }
            try toInsert?.insert(db)
            try signer.append(audit, db)
            return true
        }
    }

    /// Reads `request_alerts` of the request, oldest first.
    public func alerts(_ id: RequestID) async throws -> [RequestAlert] {
        let key = id.rawValue
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM request_alerts WHERE request_id = ? ORDER BY at",
                arguments: [key]
            )
            .map {
                RequestAlert(
                    requestID: id,
                    threshold: $0["threshold"],
                    level: $0["level"],
                    at: Date(storeValue: $0["at"])
                )
            }
        }
    }
}

import Foundation
import LetheCore
import LetheCrypto

// The audit trail's purgeable prefix: entries older than the rule, about no held customer or open request, go with a MACed checkpoint.
extension SQLStore {
    // MARK: Audit prefix

    /// The last sequence number that may be purged: the longest prefix of entries written by `cutoff`
    /// that reaches no entry about a held customer or an open request.
    static func auditPurgeEnd(
        _ db: any SQLSession,
        cutoff: Date,
        holds: RetentionHolds
    ) throws -> (
        first: Int64, end: Int64, heldAt: Int64?
    ) {
        guard let first = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM audit_log") else { return (1, 0, nil) }
        let newer = try Int64.fetchOne(
            db,
            sql: "SELECT MIN(seq) FROM audit_log WHERE at > ?",
            arguments: [cutoff.storeValue]
        )
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0
        var end = newer.map { $0 - 1 } ?? newest
        guard end >= first else { return (first, first - 1, nil) }
        let hold = HoldSQL(holds: holds, category: .auditTrail)
        let open = HoldSQL.openStatuses.map(SQLText.quote).joined(separator: ", ")
        let heldAt = try Int64.fetchOne(
            db,
            sql: """
                SELECT MIN(a.seq) FROM audit_log a WHERE a.seq <= ? AND (
                    (a.subject_type = 'account' AND \(hold.held("a.subject_id")))
                    OR (a.subject_type = 'request' AND EXISTS (
                        SELECT 1 FROM privacy_requests q WHERE q.id = a.subject_id
                        AND (q.status IN (\(open)) OR (q.account_id IS NOT NULL AND \(hold.held("q.account_id"))))
                    ))
                )
                """,
            arguments: [end]
        )
        if let heldAt { end = min(end, heldAt - 1) }
        return (first, end, heldAt)
    }

    func countAuditDue(cutoff: Date, holds: RetentionHolds) async throws -> DueCount {
        try await database.read { db in
            let (first, end, heldAt) = try Self.auditPurgeEnd(db, cutoff: cutoff, holds: holds)
            let due = Int(max(0, end - first + 1))
            guard let heldAt else { return DueCount(due: due, held: 0, holds: []) }
            // Everything old enough behind the first held entry waits with it: the chain is purged as a prefix.
            let waiting =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM audit_log WHERE seq >= ? AND at <= ?",
                    arguments: [heldAt, cutoff.storeValue]
                ) ?? 0
            let entry = try SQLRow.fetchOne(
                db,
                sql: "SELECT subject_type, subject_id FROM audit_log WHERE seq = ?",
                arguments: [heldAt]
            )
            let subject = entry.map { "\($0["subject_type"] as String) \($0["subject_id"] as String)" } ?? "?"
            return DueCount(
                due: due,
                held: waiting,
                holds: [
                    HeldBack(
                        reason: .behindHeldEntry,
                        reference: "audit entry \(heldAt) (\(subject))",
                        accountID: "",
                        records: waiting
                    )
                ]
            )
        }
    }

    /// Deletes a prefix of `audit_log` and moves the MACed `audit_checkpoint` to its last entry, in one
    /// serialized write.
    public func purgeAuditEntries(
        cutoff: Date,
        holds: RetentionHolds,
        limit: Int,
        checkpoint: PurgeCheckpoint
    ) async throws -> Int {
        let signer = try await auditSigner()
        let faults = self.faults
        return try await database.write { db in
            let (first, end, _) = try Self.auditPurgeEnd(db, cutoff: cutoff, holds: holds)
            guard end >= first else { return 0 }
            let last = min(end, first + Int64(max(1, limit)) - 1)
            guard
                let digest = try Data.fetchOne(db, sql: "SELECT mac FROM audit_log WHERE seq = ?", arguments: [last])
            else { return 0 }
            try db.execute(sql: "DELETE FROM audit_log WHERE seq BETWEEN ? AND ?", arguments: [first, last])
            let removed = db.changesCount
            try faults.check("purge.audit")
            let purged =
                (try Int64.fetchOne(db, sql: "SELECT purged FROM audit_checkpoint WHERE id = 1") ?? 0) + Int64(removed)
            let mac = try AuditChain.checkpointMAC(
                key: signer.key,
                seq: last,
                digest: Array(digest),
                keyVersion: signer.version
            )
            try db.execute(
                sql: """
                    INSERT INTO audit_checkpoint (id, seq, digest, purged, run_id, at, key_version, mac)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, digest = excluded.digest, purged = excluded.purged,
                        run_id = excluded.run_id, at = excluded.at, key_version = excluded.key_version, mac = excluded.mac
                    """,
                arguments: [
                    last, digest, purged, checkpoint.runID, holds.asOf.storeValue, Int64(signer.version), Data(mac),
                ]
            )
            try Self.addToCheckpoint(db, checkpoint, removed)
            return removed
        }
    }

    /// Reads the single `audit_checkpoint` row.
    public func auditCheckpoint() async throws -> AuditCheckpoint? {
        try await database.read { db in try Self.auditCheckpointRow(db) }.map(\.checkpoint)
    }

    static func auditCheckpointRow(
        _ db: any SQLSession
    ) throws -> (checkpoint: AuditCheckpoint, keyVersion: UInt32, mac: [UInt8])? {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM audit_checkpoint WHERE id = 1") else { return nil }
        return (
            AuditCheckpoint(
                seq: row["seq"],
                digest: Array(row["digest"] as Data),
                purged: row["purged"],
                at: Date(storeValue: row["at"])
            ),
            UInt32(row["key_version"] as Int64),
            Array(row["mac"] as Data)
        )
    }
}

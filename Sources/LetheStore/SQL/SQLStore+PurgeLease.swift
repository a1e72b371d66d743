import Foundation
import LetheCore
import LetheCrypto

// The purge lease and the record of each run, counted on its checkpoint.
extension SQLStore {
    // MARK: Lease and runs

    /// Upserts the single `purge_lease` row in one serialized write when it is free, expired, held by
    /// `replacing`, or already `claim`'s holder; returns nil on success.
    public func acquirePurgeLease(_ claim: PurgeLeaseHolder, replacing: String?) async throws -> PurgeLeaseHolder? {
        try await database.write { db in
            if let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM purge_lease WHERE name = 'purge'") {
                let current = Self.leaseHolder(row)
                let expired = current.expiresAt <= claim.acquiredAt
                guard expired || current.holder == replacing || current.holder == claim.holder else { return current }
            }
            try db.execute(
                sql: """
                    INSERT INTO purge_lease (name, holder, host, pid, acquired_at, expires_at)
                    VALUES ('purge', ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid,
                        acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
                    """,
                arguments: [
                    claim.holder, claim.host, Int64(claim.pid), claim.acquiredAt.storeValue, claim.expiresAt.storeValue,
                ]
            )
            return nil
        }
    }

    static func leaseHolder(_ row: SQLRow) -> PurgeLeaseHolder {
        PurgeLeaseHolder(
            holder: row["holder"],
            host: row["host"],
            pid: Int32(truncatingIfNeeded: row["pid"] as Int64),
            acquiredAt: Date(storeValue: row["acquired_at"]),
            expiresAt: Date(storeValue: row["expires_at"])
        )
    }

    /// Moves `purge_lease.expires_at` only while `holder` still holds the row.
    public func renewPurgeLease(holder: String, until: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE purge_lease SET expires_at = ? WHERE name = 'purge' AND holder = ?",
                arguments: [until.storeValue, holder]
            )
            return db.changesCount == 1
        }
    }

    /// Deletes the `purge_lease` row if `holder` holds it; does nothing otherwise.
    public func releasePurgeLease(holder: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM purge_lease WHERE name = 'purge' AND holder = ?", arguments: [holder])
        }
    }

    /// Inserts a `running` row into `purge_runs`.
    public func beginPurgeRun(id: String, holder: String, asOf: Date, at: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO purge_runs (id, holder, as_of, started_at, status) VALUES (?, ?, ?, ?, 'running')
                    """,
                arguments: [id, holder, asOf.storeValue, at.storeValue]
            )
        }
    }

    /// Reads `purge_runs`, newest first, with each run's `purge_counts`, in one snapshot.
    public func purgeRuns(status: PurgeRunStatus?, limit: Int) async throws -> [PurgeRunRecord] {
        try await database.read { db in
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM purge_runs \(status == nil ? "" : "WHERE status = ?")
                    ORDER BY started_at DESC, id DESC LIMIT ?
                    """,
                arguments: (status.map { [$0.rawValue] } ?? []) + [limit]
            )
            return try rows.map { row in
                let id: String = row["id"]
                let counts = try SQLRow.fetchAll(
                    db,
                    sql: "SELECT rule_id, target, records FROM purge_counts WHERE run_id = ? ORDER BY rule_id, target",
                    arguments: [id]
                ).compactMap { count -> PurgeCount? in
                    guard let target = PurgeTarget(rawValue: count["target"]) else { return nil }
                    return PurgeCount(ruleID: count["rule_id"], target: target, records: count["records"])
                }
                return PurgeRunRecord(
                    id: id,
                    holder: row["holder"],
                    asOf: Date(storeValue: row["as_of"]),
                    startedAt: Date(storeValue: row["started_at"]),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(storeValue:)),
                    status: PurgeRunStatus(rawValue: row["status"]) ?? .interrupted,
                    counts: counts,
                    report: row["report"]
                )
            }
        }
    }

    /// Closes a `running` row of `purge_runs` and appends the receipt in one serialized write; a run already
    /// closed is left as it is and no second receipt is written.
    public func finishPurgeRun(
        id: String,
        status: PurgeRunStatus,
        report: String,
        at: Date,
        receipt: AuditEvent
    ) async throws {
        let signer = try await auditSigner()
        try await database.write { db in
            try db.execute(
                sql:
                    "UPDATE purge_runs SET status = ?, report = ?, finished_at = ? WHERE id = ? AND status = 'running'",
                arguments: [status.rawValue, report, at.storeValue, id]
            )
            // Closed once: a second attempt (two runs finding the same dead one) writes no second receipt.
            guard db.changesCount == 1 else { return }
            try signer.append(receipt, db)
        }
    }

    static func addToCheckpoint(_ db: any SQLSession, _ checkpoint: PurgeCheckpoint, _ count: Int) throws {
        guard count > 0 else { return }
        try db.execute(
            sql: """
                INSERT INTO purge_counts (run_id, rule_id, target, records) VALUES (?, ?, ?, ?)
                ON CONFLICT(run_id, rule_id, target) DO UPDATE SET records = purge_counts.records + excluded.records
                """,
            arguments: [checkpoint.runID, checkpoint.ruleID, checkpoint.target.rawValue, count]
        )
    }
}

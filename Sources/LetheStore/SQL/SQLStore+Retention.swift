import Foundation
import LetheCore
import LetheCrypto

/// SQL text helpers for the few statements whose shape depends on policy data.
enum SQLText {
    /// A string literal; policy ids and job kinds only, never customer input.
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A REAL literal that reads back as the same Double.
    static func real(_ date: Date) -> String { "\(date.storeValue)" }
}

/// How one purge target maps onto a table: the instant its period runs from, whose data it is, and
/// which rows qualify at all.
struct PurgeTable {
    let table: String
    let key: String
    let time: String
    /// The account the row is about, for holds; nil when it has none (suppression tokens, kept records).
    let account: String?
    let filter: String

    /// A bundle's link dies at its expiry or with its last permitted download, whichever comes first.
    static let bundleExpiry = "(CASE WHEN t.downloads_left <= 0 THEN t.created_at ELSE t.expires_at END)"

    static func of(_ target: PurgeTarget) -> PurgeTable? {
        switch target {
        case .securityEvents:
            return PurgeTable(
                table: "security_events",
                key: "id",
                time: "t.at",
                account: "t.account_id",
                filter: "TRUE"
            )
        case .supportInteractions:
            return PurgeTable(
                table: "support_interactions",
                key: "id",
                time: "t.at",
                account: "t.account_id",
                filter: "TRUE"
            )
        case .orders:
            return PurgeTable(table: "orders", key: "id", time: "t.placed_at", account: "t.account_id", filter: "TRUE")
        case .verificationCodes:
            return PurgeTable(
                table: "verification_codes",
                key: "purpose",
                time: "t.expires_at",
                account: nil,
                filter: "TRUE"
            )
        case .codeSends:
            return PurgeTable(table: "code_sends", key: "id", time: "t.at", account: nil, filter: "TRUE")
        case .deliveredMessages:
            return PurgeTable(
                table: "outbox",
                key: "id",
                time: "t.created_at",
                account: "t.account_id",
                filter: "t.status = 'delivered'"
            )
        case .retainedOrders:
            return PurgeTable(
                table: "retained_records",
                key: "id",
                time: "t.retain_until",
                account: nil,
                filter: "t.category = 'orders'"
            )
        case .retainedConsents:
            return PurgeTable(
                table: "retained_records",
                key: "id",
                time: "t.retain_until",
                account: nil,
                filter: "t.category = 'consent'"
            )
        case .suppressions:
            return PurgeTable(table: "suppressions", key: "token", time: "t.created_at", account: nil, filter: "TRUE")
        case .requestRecords:
            // A request whose bundle record is still there waits for the bundle sweep, which removes the file first.
            return PurgeTable(
                table: "privacy_requests",
                key: "id",
                time: "COALESCE(t.completed_at, t.updated_at)",
                account: "t.account_id",
                filter: """
                    t.status IN ('completed', 'denied', 'cancelled')
                    AND NOT EXISTS (SELECT 1 FROM export_bundles b WHERE b.request_id = t.id)
                    """
            )
        case .exportBundles:
            return PurgeTable(
                table: "export_bundles",
                key: "id",
                time: bundleExpiry,
                account: "t.account_id",
                filter: "TRUE"
            )
        case .inactiveAccounts:
            return PurgeTable(
                table: "accounts",
                key: "id",
                time: "COALESCE(t.last_activity_at, t.updated_at)",
                account: "t.id",
                filter: "t.status = 'deactivated'"
            )
        case .pendingDeletions:
            return PurgeTable(
                table: "accounts",
                key: "id",
                time: "t.updated_at",
                account: "t.id",
                filter: "t.status = 'pending-deletion'"
            )
        case .auditEntries, .mailSpool:
            return nil
        }
    }
}

/// The three kinds of hold as SQL, so counting and purging agree exactly. Each is a query of
/// `(reference, account)` pairs independent of the row being purged, so SQLite evaluates it once per
/// statement rather than once per row.
struct HoldSQL {
    let holds: RetentionHolds
    let category: DataCategory

    static let openStatuses = RequestStatus.allCases.filter { !$0.isTerminal }.map(\.rawValue)

    var legalHolds: String {
        let at = SQLText.real(holds.asOf)
        return """
            SELECT h.id AS reference, h.account_id AS account FROM legal_holds h
            WHERE h.placed_at <= \(at) AND (h.released_at IS NULL OR h.released_at > \(at))
            AND (h.categories = '' OR (',' || h.categories || ',') LIKE \(SQLText.quote("%,\(category.rawValue),%")))
            """
    }

    var openRequests: String {
        let open = Self.openStatuses.map(SQLText.quote).joined(separator: ", ")
        return """
            SELECT r.id AS reference, r.account_id AS account FROM privacy_requests r
            WHERE r.account_id IS NOT NULL AND r.status IN (\(open))
            """
    }

    /// Nil when no jurisdiction has a recourse period.
    var recourse: String? {
        guard !holds.recourseAnsweredAfter.isEmpty else { return nil }
        let windows = holds.recourseAnsweredAfter.sorted { $0.key < $1.key }.map { jurisdiction, since in
            "(r.jurisdiction = \(SQLText.quote(jurisdiction)) AND r.completed_at > \(SQLText.real(since)))"
        }
        return """
            SELECT r.id AS reference, r.account_id AS account FROM privacy_requests r
            WHERE r.account_id IS NOT NULL AND r.status IN ('completed', 'denied') AND (\(windows.joined(separator: " OR ")))
            """
    }

    var reasons: [(HoldReason, String)] {
        var list: [(HoldReason, String)] = [(.legalHold, legalHolds), (.openRequest, openRequests)]
        if let recourse { list.append((.recoursePeriod, recourse)) }
        return list
    }

    /// True when any hold keeps the account's data in this category.
    func held(_ account: String) -> String {
        "(" + reasons.map { "\(account) IN (SELECT h.account FROM (\($0.1)) h)" }.joined(separator: " OR ") + ")"
    }
}

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

    // MARK: Counting and purging

    /// Counts due rows with the same hold SQL the purge uses, so a dry run and a purge agree; audit
    /// entries are counted as a purgeable prefix.
    public func countDue(_ target: PurgeTarget, cutoff: Date, holds: RetentionHolds) async throws -> DueCount {
        if target == .auditEntries { return try await countAuditDue(cutoff: cutoff, holds: holds) }
        guard let spec = PurgeTable.of(target) else { return DueCount(due: 0, held: 0, holds: []) }
        let hold = HoldSQL(holds: holds, category: target.category)
        let due = "\(spec.filter) AND \(spec.time) <= \(SQLText.real(cutoff))"
        return try await database.read { db in
            guard let account = spec.account else {
                let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(spec.table) t WHERE \(due)") ?? 0
                return DueCount(due: n, held: 0, holds: [])
            }
            let free =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM \(spec.table) t WHERE \(due) AND NOT \(hold.held(account))"
                ) ?? 0
            let held =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(spec.table) t WHERE \(due) AND \(hold.held(account))")
                ?? 0
            var groups: [HeldBack] = []
            if held > 0 {
                for (reason, pairs) in hold.reasons {
                    let rows = try SQLRow.fetchAll(
                        db,
                        sql: """
                            SELECT k.reference, k.account, COUNT(*) AS n
                            FROM \(spec.table) t JOIN (\(pairs)) k ON k.account = \(account)
                            WHERE \(due)
                            GROUP BY k.reference, k.account ORDER BY k.reference, k.account
                            """
                    )
                    groups += rows.map {
                        HeldBack(reason: reason, reference: $0["reference"], accountID: $0["account"], records: $0["n"])
                    }
                }
            }
            return DueCount(due: free, held: held, holds: groups)
        }
    }

    /// Deletes one batch with a single `DELETE … IN (SELECT …)` (request records table by table) and adds
    /// the count to `purge_counts`, in one serialized write.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` for export bundles, inactive accounts, pending
    ///   deletions, audit entries and the mail spool.
    public func purgeBatch(
        _ target: PurgeTarget,
        cutoff: Date,
        holds: RetentionHolds,
        limit: Int,
        checkpoint: PurgeCheckpoint
    ) async throws -> Int {
        guard let spec = PurgeTable.of(target),
            ![.exportBundles, .inactiveAccounts, .pendingDeletions].contains(target)
        else {
            throw StoreError.invalidValue(field: "target", reason: "\(target.rawValue) is not purged in plain batches")
        }
        let hold = HoldSQL(holds: holds, category: target.category)
        let notHeld = spec.account.map { "AND NOT \(hold.held($0))" } ?? ""
        let select = """
            SELECT t.\(spec.key) FROM \(spec.table) t
            WHERE \(spec.filter) AND \(spec.time) <= \(SQLText.real(cutoff)) \(notHeld)
            LIMIT \(max(1, limit))
            """
        let faults = self.faults
        return try await database.write { db in
            let removed: Int
            if target == .requestRecords {
                removed = try Self.deleteRequestRecords(db, ids: try String.fetchAll(db, sql: select))
            } else {
                try db.execute(sql: "DELETE FROM \(spec.table) WHERE \(spec.key) IN (\(select))")
                removed = db.changesCount
            }
            try faults.check("purge.batch")
            try Self.addToCheckpoint(db, checkpoint, removed)
            return removed
        }
    }

    /// A closed request and everything recorded about it; its own data key too, when it was about
    /// someone without an account (the key is then shredded with the record).
    static func deleteRequestRecords(_ db: any SQLSession, ids: [String]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let list = ids.map(SQLText.quote).joined(separator: ", ")
        for (table, column) in [
            ("request_events", "request_id"), ("request_links", "request_id"), ("deadline_history", "request_id"),
            ("request_pauses", "request_id"), ("request_alerts", "request_id"), ("request_recipients", "request_id"),
            ("jobs", "request_id"), ("deletion_receipts", "request_id"), ("verification_codes", "purpose"),
            ("outbox", "subject_id"), ("data_keys", "account_id"),
        ] {
            try db.execute(sql: "DELETE FROM \(table) WHERE \(column) IN (\(list))")
        }
        // An agent's link outlives the record, minimised to what says `expired` (DRP 1.0 §3.02): the
        // agent's own reference and callback go; the random protocol id and the agent's id stay.
        try db.execute(
            sql: "UPDATE drp_requests SET agent_request_id = NULL, status_callback = NULL WHERE request_id IN (\(list))"
        )
        try db.execute(sql: "DELETE FROM privacy_requests WHERE id IN (\(list))")
        return db.changesCount
    }

    /// Selects `deactivated` accounts idle since `cutoff` and not held for the identity category, by id.
    public func dueInactiveAccounts(cutoff: Date, holds: RetentionHolds, limit: Int) async throws -> [DueAccount] {
        let hold = HoldSQL(holds: holds, category: .identity)
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.created_at FROM accounts t
                    WHERE t.status = 'deactivated' AND COALESCE(t.last_activity_at, t.updated_at) <= ?
                    AND NOT \(hold.held("t.id"))
                    ORDER BY t.id LIMIT ?
                    """,
                arguments: [cutoff.storeValue, limit]
            ).compactMap { row in
                (try? AccountID(row["id"] as String)).map {
                    DueAccount(id: $0, createdAt: Date(storeValue: row["created_at"]))
                }
            }
        }
    }

    /// Selects `export_bundles` whose link died by `cutoff` (expiry or last download) and that no hold keeps.
    public func dueBundles(cutoff: Date, holds: RetentionHolds, limit: Int) async throws -> [ExportBundleRecord] {
        let hold = HoldSQL(holds: holds, category: .exportBundles)
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM export_bundles t WHERE \(PurgeTable.bundleExpiry) <= ? AND NOT \(hold.held("t.account_id"))
                    ORDER BY t.id LIMIT ?
                    """,
                arguments: [cutoff.storeValue, limit]
            ).compactMap(Self.bundle)
        }
    }

    /// Deletes the `export_bundles` row and counts it on the checkpoint in one serialized write.
    public func purgeBundleRecord(_ id: String, checkpoint: PurgeCheckpoint) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM export_bundles WHERE id = ?", arguments: [id])
            let removed = db.changesCount
            try Self.addToCheckpoint(db, checkpoint, removed)
            return removed == 1
        }
    }

    /// Adds `count` to the checkpoint's `purge_counts` row; zero or less adds nothing.
    public func recordPurged(_ count: Int, checkpoint: PurgeCheckpoint) async throws {
        try await database.write { db in try Self.addToCheckpoint(db, checkpoint, count) }
    }

    /// Selects `outbox` ids whose account is held for `category`.
    public func heldMessageIDs(holds: RetentionHolds, category: DataCategory) async throws -> Set<Int64> {
        let hold = HoldSQL(holds: holds, category: category)
        return try await database.read { db in
            Set(
                try Int64.fetchAll(
                    db,
                    sql: "SELECT t.id FROM outbox t WHERE t.account_id IS NOT NULL AND \(hold.held("t.account_id"))"
                )
            )
        }
    }

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

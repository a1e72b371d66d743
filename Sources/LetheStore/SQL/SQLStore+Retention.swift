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

}

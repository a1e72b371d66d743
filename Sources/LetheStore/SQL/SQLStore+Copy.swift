import Foundation
import GRDB
import LetheCore

extension SQLStore {
    /// Every table, parents before children, so each row's references exist when it arrives.
    static let copyOrder = [
        "data_keys", "accounts", "addresses", "payment_methods", "orders", "support_interactions", "security_events",
        "consents", "record_notes", "escalations", "outbox", "audit_log", "legal_holds", "export_bundles",
        "privacy_requests", "request_events", "request_links", "deadline_history", "request_pauses",
        "verification_codes", "code_sends", "request_alerts", "jobs", "retained_records", "suppressions",
        "deletion_receipts", "recipients", "request_recipients", "purge_lease", "purge_runs", "purge_counts",
        "audit_checkpoint", "audit_head", "staff_users", "sessions", "api_tokens", "sign_in_failures", "drp_agents",
        "drp_requests", "drp_signatures", "key_primary", "key_holders", "row_binding",
    ]

    /// Copies every row of this SQLite store into `target`, an empty PostgreSQL store under the same
    /// master key, in one transaction: an interrupted copy leaves the target as empty as it was.
    /// Ciphertext is copied as it is (nothing is decrypted), ids are kept, and the target's id
    /// sequences continue after them. `progress` hears each table as it is copied.
    public func copyEverything(
        to target: SQLStore,
        pageSize: Int = 500,
        progress: @escaping @Sendable (_ table: String, _ copied: Int, _ total: Int) -> Void = { _, _, _ in }
    ) async throws -> StoreCopyReport {
        guard let source = database as? SQLiteBackend, let destination = target.database as? PostgresBackend else {
            throw StoreError.invalidValue(
                field: "migrate",
                reason: "copies from a SQLite store into a PostgreSQL store"
            )
        }
        let tables = try await source.pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        }.filter { $0 != "grdb_migrations" }
        if let unknown = tables.first(where: { !Self.copyOrder.contains($0) }) {
            throw StoreError.invalidValue(field: "migrate", reason: "table \(unknown) has no place in the copy order")
        }
        let order = Self.copyOrder
        let counts = try await destination.onThread { session -> [StoreCopyReport.Table] in
            try session.simple("BEGIN")
            return try session.inTransaction {
                try session.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [PostgresBackend.writeLock])
                for table in order {
                    guard try Int.fetchOne(session, sql: "SELECT COUNT(*) FROM \(table)") == 0 else {
                        throw StoreError.invalidValue(
                            field: "migrate",
                            reason: "the target already holds data (\(table)); migrate into an empty database"
                        )
                    }
                }
                var report: [StoreCopyReport.Table] = []
                for table in order {
                    let booleans = Set(
                        try String.fetchAll(
                            session,
                            sql: """
                                SELECT column_name FROM information_schema.columns
                                WHERE table_schema = current_schema() AND table_name = ? AND data_type = 'boolean'
                                """,
                            arguments: [table]
                        )
                    )
                    let total = try source.pool.read { db in
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
                    }
                    var copied = 0
                    var after: Int64 = Int64.min
                    while true {
                        // Pages by rowid, so a large table is never held in memory whole.
                        let page = try source.pool.read { db in
                            try Row.fetchAll(
                                db,
                                sql:
                                    "SELECT rowid AS lethe_rowid, * FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                arguments: [after, pageSize]
                            )
                        }
                        guard let last = page.last else { break }
                        after = last["lethe_rowid"]
                        try Self.insert(page, into: table, booleans: booleans, session)
                        copied += page.count
                        progress(table, copied, total)
                    }
                    if try Int.fetchOne(
                        session,
                        sql:
                            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = ? AND column_name = 'id' AND column_default LIKE 'nextval%'",
                        arguments: [table]
                    ) == 1 {
                        try session.execute(
                            sql:
                                "SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \(table)",
                            arguments: [table]
                        )
                    }
                    let landed = try Int.fetchOne(session, sql: "SELECT COUNT(*) FROM \(table)") ?? -1
                    report.append(StoreCopyReport.Table(name: table, source: total, target: landed))
                }
                guard report.allSatisfy({ $0.source == $0.target }) else {
                    throw StoreError.invalidValue(field: "migrate", reason: "row counts differ; nothing was kept")
                }
                return report
            }
        }
        return StoreCopyReport(tables: counts)
    }

    /// Inserts a page of SQLite rows, 100 to a statement; SQLite's 0/1 become booleans where the target says so.
    private static func insert(
        _ rows: [Row],
        into table: String,
        booleans: Set<String>,
        _ session: PostgresSession
    )
        throws
    {
        guard let first = rows.first else { return }
        let columns = Array(first.columnNames.filter { $0 != "lethe_rowid" })
        for chunk in stride(from: 0, to: rows.count, by: 100).map({ Array(rows[$0..<min($0 + 100, rows.count)]) }) {
            var arguments: SQLArguments = []
            arguments.reserveCapacity(chunk.count * columns.count)
            for row in chunk {
                for column in columns {
                    let value = GRDBSession.value(row[column] as DatabaseValue)
                    if booleans.contains(column), case .integer(let n) = value {
                        arguments.append(SQLValue.bool(n != 0))
                    } else {
                        arguments.append(value)
                    }
                }
            }
            let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
            try session.execute(
                sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                    + Array(repeating: tuple, count: chunk.count).joined(separator: ", "),
                arguments: arguments
            )
        }
    }
}

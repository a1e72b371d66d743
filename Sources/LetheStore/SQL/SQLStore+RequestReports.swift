import Foundation
import LetheCore
import LetheCrypto

// Counts for the queue, the load chart and the statutory metrics, computed in SQL however long the queue.
extension SQLStore {
    /// Groups open `privacy_requests` by `binding_due` and kind in SQL.
    public func openRequestsByDueDate(through: LocalDate) async throws -> [DueDateCount] {
        let open = RequestQuery.open.map(\.rawValue).sorted()
        let marks = open.map { _ in "?" }.joined(separator: ",")
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT binding_due, kind, COUNT(*) AS n FROM privacy_requests
                    WHERE status IN (\(marks)) AND binding_due <= ? GROUP BY binding_due, kind
                    """,
                arguments: SQLArguments(open + [through.description])
            ).compactMap { row in
                guard let due = LocalDate(row["binding_due"] as String), let kind = RequestKind(rawValue: row["kind"])
                else { return nil }
                return DueDateCount(due: due, kind: kind, count: row["n"])
            }
        }
    }

    /// Groups `privacy_requests` by UTC month of `received_at` (`strftime` on SQLite, `to_char` on PostgreSQL).
    public func requestsByMonth(since: Date) async throws -> [MonthCount] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(db.dialect == .sqlite ? Self.sqliteMonth : Self.postgresMonth),
                           COUNT(*) AS received, SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed
                    FROM privacy_requests WHERE received_at >= ? GROUP BY y, m ORDER BY y, m
                    """,
                arguments: [since.storeValue]
            ).compactMap { row in
                guard let year = Int(row["y"] as String), let month = Int(row["m"] as String) else { return nil }
                return MonthCount(year: year, month: month, received: row["received"], completed: row["completed"])
            }
        }
    }

    // Calendar months of the receipt instant, in UTC on both engines.
    static let sqliteMonth =
        "strftime('%Y', received_at, 'unixepoch') AS y, strftime('%m', received_at, 'unixepoch') AS m"
    static let postgresMonth = """
        to_char(to_timestamp(received_at) AT TIME ZONE 'UTC', 'YYYY') AS y,
        to_char(to_timestamp(received_at) AT TIME ZONE 'UTC', 'MM') AS m
        """

    /// Reads each request with the denial reason of its latest `denied` event; rows of unknown kinds are skipped.
    public func requestOutcomes(
        jurisdiction: String,
        receivedFrom from: Date,
        before: Date
    ) async throws
        -> [RequestOutcome]
    {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.kind, r.deadline_kind, r.status, r.received_at, r.completed_at,
                           (SELECT e.denial_reason FROM request_events e
                            WHERE e.request_id = r.id AND e.to_status = 'denied' ORDER BY e.id DESC LIMIT 1) AS denial
                    FROM privacy_requests r
                    WHERE r.jurisdiction = ? AND r.received_at >= ? AND r.received_at < ?
                    """,
                arguments: [jurisdiction, from.storeValue, before.storeValue]
            ).compactMap { row in
                guard let kind = RequestKind(rawValue: row["kind"]),
                    let deadlineKind = DeadlineKind(rawValue: row["deadline_kind"]),
                    let status = RequestStatus(rawValue: row["status"])
                else { return nil }
                return RequestOutcome(
                    kind: kind,
                    deadlineKind: deadlineKind,
                    status: status,
                    receivedAt: Date(storeValue: row["received_at"]),
                    closedAt: (row["completed_at"] as Double?).map(Date.init(storeValue:)),
                    denialReason: (row["denial"] as String?).flatMap(DenialReason.init(rawValue:))
                )
            }
        }
    }

    /// Counts open `privacy_requests` per status, overdue and due soon, in one snapshot.
    public func queueDepth(today: LocalDate, dueSoonBy: LocalDate) async throws -> QueueDepth {
        let open = RequestQuery.open.map(\.rawValue).sorted()
        let marks = open.map { _ in "?" }.joined(separator: ",")
        return try await database.read { db in
            var byStatus: [RequestStatus: Int] = [:]
            for row in try SQLRow.fetchAll(
                db,
                sql: "SELECT status, COUNT(*) AS n FROM privacy_requests WHERE status IN (\(marks)) GROUP BY status",
                arguments: SQLArguments(open)
            ) {
                if let status = RequestStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
            }
            let urgency = try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(CASE WHEN binding_due < ? THEN 1 ELSE 0 END), 0) AS overdue,
                           COALESCE(SUM(CASE WHEN binding_due >= ? AND binding_due <= ? THEN 1 ELSE 0 END), 0) AS soon
                    FROM privacy_requests WHERE status IN (\(marks))
                    """,
                arguments: SQLArguments(
                    [today.description, today.description, dueSoonBy.description] + open
                )
            )
            return QueueDepth(
                byStatus: byStatus,
                dueSoon: urgency?["soon"] ?? 0,
                overdue: urgency?["overdue"] ?? 0
            )
        }
    }
}

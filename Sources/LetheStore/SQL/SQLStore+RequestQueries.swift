import Foundation
import LetheCore
import LetheCrypto

// The queue and a request's deadline history, filtered and ordered in SQL.
extension SQLStore {
    /// Filters `privacy_requests` in SQL, ordered by `binding_due` then `received_at`, at least one row.
    /// The ORDER BY for `order`; the id breaks ties, so pages never overlap or skip a row.
    static func orderClause(_ order: RequestOrder) -> String {
        switch order {
        case .mostUrgent: return "binding_due, received_at, id"
        case .leastUrgent: return "binding_due DESC, received_at DESC, id DESC"
        case .newest: return "received_at DESC, id DESC"
        case .oldest: return "received_at, id"
        }
    }

    public func listRequests(_ query: RequestQuery) async throws -> [RequestSummary] {
        var conditions: [String] = []
        var arguments: [(any SQLBindable)?] = []
        if let statuses = query.statuses {
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            arguments += statuses.map(\.rawValue).sorted()
        }
        if let account = query.accountID {
            conditions.append("account_id = ?")
            arguments.append(account.description)
        }
        if let kind = query.kind {
            conditions.append("kind = ?")
            arguments.append(kind.rawValue)
        }
        if let jurisdiction = query.jurisdiction {
            conditions.append("jurisdiction = ?")
            arguments.append(jurisdiction)
        }
        if let assignee = query.assignee {
            conditions.append("assignee = ?")
            arguments.append(assignee)
        }
        if let due = query.dueOnOrBefore {
            conditions.append("binding_due <= ?")
            arguments.append(due.description)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT id, kind, account_id, jurisdiction, status, channel, received_at, binding_due, internal_target, assignee
            FROM privacy_requests \(whereClause) ORDER BY \(Self.orderClause(query.order))
            LIMIT \(max(1, query.limit)) OFFSET \(max(0, query.offset))
            """
        let bound = SQLArguments(arguments)
        return try await database.read { db in
            try SQLRow.fetchAll(db, sql: sql, arguments: bound).compactMap { row -> RequestSummary? in
                guard let kind = RequestKind(rawValue: row["kind"]),
                    let status = RequestStatus(rawValue: row["status"]),
                    let channel = RequestChannel(rawValue: row["channel"]),
                    let due = LocalDate(row["binding_due"] as String),
                    let target = LocalDate(row["internal_target"] as String)
                else { return nil }
                return RequestSummary(
                    id: RequestID(row["id"]),
                    kind: kind,
                    accountID: (row["account_id"] as String?).flatMap { try? AccountID($0) },
                    jurisdiction: row["jurisdiction"],
                    status: status,
                    channel: channel,
                    receivedAt: Date(storeValue: row["received_at"]),
                    due: due,
                    internalTarget: target,
                    assignee: row["assignee"]
                )
            }
        }
    }

    /// Reads `deadline_history` of the request in insertion order.
    public func deadlineHistory(_ id: RequestID) async throws -> [DeadlineChange] {
        let key = id.rawValue
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM deadline_history WHERE request_id = ? ORDER BY id",
                arguments: [key]
            )
            .compactMap { row in
                guard let response = LocalDate(row["response_due"] as String),
                    let target = LocalDate(row["internal_target"] as String)
                else { return nil }
                return DeadlineChange(
                    at: Date(storeValue: row["at"]),
                    cause: row["cause"],
                    acknowledgementDue: (row["acknowledgement_due"] as String?).flatMap(LocalDate.init),
                    responseDue: response,
                    extendedDue: (row["extended_due"] as String?).flatMap(LocalDate.init),
                    internalTarget: target
                )
            }
        }
    }

    /// The appeal lodged against `request`, found by the unique `appeal_of` index.
    public func appeal(of request: RequestID) async throws -> RequestID? {
        try await database.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT id FROM privacy_requests WHERE appeal_of = ?",
                arguments: [request.rawValue]
            )
        }
        .map(RequestID.init)
    }
}

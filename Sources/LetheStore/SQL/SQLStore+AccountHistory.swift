import Foundation
import LetheCore
import LetheCrypto

// What an account accumulates: orders, support interactions, security events and the consent ledger.
extension SQLStore {
    /// Inserts the orders into `orders` in one transaction, items and shipping address sealed.
    public func addOrders(_ id: AccountID, _ orders: [Order]) async throws {
        let codec = try await codec(id)
        let rows = try orders.map { try OrderRow(sealing: $0, with: codec) }
        let account = id.description
        try await database.write { db in
            for row in rows { try row.insert(db, account: account) }
        }
    }

    /// Reads `orders` oldest first (by `placed_at`, then id), up to `limit` when given.
    /// For the package's tests and inspection only: no workflow needs it, so it is not part of the store's contract.
    package func orders(_ id: AccountID, limit: Int?) async throws -> [Order] {
        let account = id.description
        let limitClause = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM orders WHERE account_id = ? ORDER BY placed_at, id\(limitClause)",
                arguments: [account]
            ).map(OrderRow.init)
        }
        let codec = try await codec(id)
        return try rows.map { try $0.open(codec) }
    }

    /// One page of a customer's orders after an id: a seek and a range on `orders_account_id`, so each
    /// page costs the same however long the history is.
    static let ordersPageSQL = "SELECT * FROM orders WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?"

    /// Reads `orders` by ascending id after `afterID`, at least one row per page.
    public func ordersPage(_ id: AccountID, after afterID: Int64?, limit: Int) async throws -> [Order] {
        let account = id.description
        let after = afterID ?? -1
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: Self.ordersPageSQL,
                arguments: [account, after, max(1, limit)]
            ).map(OrderRow.init)
        }
        let codec = try await codec(id)
        return try rows.map { try $0.open(codec) }
    }

    /// Reads `support_interactions` oldest first and opens each transcript.
    public func supportInteractions(_ id: AccountID) async throws -> [(at: Date, channel: String, transcript: String)] {
        let account = id.description
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT at, channel, transcript, seal_ref FROM support_interactions
                    WHERE account_id = ? ORDER BY at
                    """,
                arguments: [account]
            )
            .map {
                (
                    at: $0["at"] as Double, channel: $0["channel"] as String, transcript: $0["transcript"] as Data,
                    reference: $0["seal_ref"] as Data?
                )
            }
        }
        let codec = try await codec(id)
        return try rows.map {
            (
                Date(storeValue: $0.at), $0.channel,
                try codec.row(try RowReference.stored($0.reference)).open($0.transcript, EncryptedField.transcript)
            )
        }
    }

    /// Reads `security_events` oldest first and opens the address and user agent.
    public func securityEvents(
        _ id: AccountID
    ) async throws -> [(at: Date, kind: String, ipAddress: String?, userAgent: String?)] {
        let account = id.description
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT at, kind, ip_address, user_agent, seal_ref FROM security_events
                    WHERE account_id = ? ORDER BY at
                    """,
                arguments: [account]
            )
            .map {
                (
                    at: $0["at"] as Double, kind: $0["kind"] as String, ip: $0["ip_address"] as Data?,
                    agent: $0["user_agent"] as Data?, reference: $0["seal_ref"] as Data?
                )
            }
        }
        let customer = try await codec(id)
        return try rows.map {
            let codec = $0.ip == nil && $0.agent == nil ? nil : customer.row(try RowReference.stored($0.reference))
            return (
                Date(storeValue: $0.at), $0.kind, try codec?.openOptional($0.ip, EncryptedField.ipAddress),
                try codec?.openOptional($0.agent, EncryptedField.userAgent)
            )
        }
    }

    /// Inserts one row into `support_interactions`, the transcript sealed.
    public func addSupportInteraction(_ id: AccountID, at: Date, channel: String, transcript: String) async throws {
        let reference = try RowReference.random()
        let sealed = try await codec(id).row(reference).seal(transcript, EncryptedField.transcript)
        let account = id.description
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO support_interactions (account_id, at, channel, transcript, seal_ref)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [account, at.storeValue, channel, sealed, reference.data]
            )
        }
    }

    /// Inserts one row into `security_events`, the address and user agent sealed.
    public func addSecurityEvent(
        _ id: AccountID,
        at: Date,
        kind: String,
        ipAddress: String?,
        userAgent: String?
    ) async throws {
        let reference = try RowReference.random()
        let codec = try await codec(id).row(reference)
        let ip = try codec.sealOptional(ipAddress, EncryptedField.ipAddress)
        let agent = try codec.sealOptional(userAgent, EncryptedField.userAgent)
        let account = id.description
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO security_events (account_id, at, kind, ip_address, user_agent, seal_ref)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [account, at.storeValue, kind, ip, agent, reference.data]
            )
        }
    }

    /// Inserts one row into the append-only `consents` ledger, the source detail sealed.
    public func appendConsent(_ id: AccountID, _ consent: ConsentRecord) async throws {
        try faults.check("consent.append")
        let reference = try RowReference.random()
        let detail = try await codec(id).row(reference).sealOptional(
            consent.sourceDetail,
            EncryptedField.consentSourceDetail
        )
        let account = id.description
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO consents (
                        account_id, purpose, granted, source, source_detail, notice_version, at, seal_ref)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    account, consent.purpose, consent.granted, consent.source, detail, consent.noticeVersion,
                    consent.at.storeValue, reference.data,
                ]
            )
        }
    }

    /// Reads the `consents` ledger oldest first and opens each source detail.
    public func consents(_ id: AccountID) async throws -> [ConsentRecord] {
        let account = id.description
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM consents WHERE account_id = ? ORDER BY at, id",
                arguments: [account]
            )
            .map { row in
                (
                    purpose: row["purpose"] as String, granted: row["granted"] as Bool, source: row["source"] as String,
                    detail: row["source_detail"] as Data?, notice: row["notice_version"] as String,
                    at: row["at"] as Double, reference: row["seal_ref"] as Data?
                )
            }
        }
        let codec = try await codec(id)
        return try rows.map { row in
            ConsentRecord(
                purpose: row.purpose,
                granted: row.granted,
                source: row.source,
                sourceDetail: try row.detail.map {
                    try codec.row(try RowReference.stored(row.reference)).open($0, EncryptedField.consentSourceDetail)
                },
                noticeVersion: row.notice,
                at: Date(storeValue: row.at)
            )
        }
    }
}

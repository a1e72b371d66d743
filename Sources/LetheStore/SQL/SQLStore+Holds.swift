import Foundation
import LetheCore

/// One `legal_holds` row: read, or sealed from a hold; the reason (a case title may name people) is
/// ciphertext under the customer's key, the rest is plain so purges can test holds in SQL.
private struct HoldRow: Sendable {
    let id: String
    let account: AccountID
    let categories: Set<DataCategory>
    let reason: Data
    let owner: String
    let placedAt: Date
    let releasedAt: Date?

    init?(_ row: SQLRow) {
        guard let account = try? AccountID(row["account_id"] as String) else { return nil }
        id = row["id"]
        self.account = account
        categories = Set(
            (row["categories"] as String).split(separator: ",").compactMap { DataCategory(rawValue: String($0)) }
        )
        reason = row["reason"]
        owner = row["owner"]
        placedAt = Date(storeValue: row["placed_at"])
        releasedAt = (row["released_at"] as Double?).map(Date.init(storeValue:))
    }

    init(sealing hold: LegalHold, with codec: FieldCodec) throws {
        id = hold.id
        account = hold.accountID
        categories = hold.categories
        // Bound to the hold's id, fixed before it is written.
        reason = try codec.row(RowReference(id: hold.id)).seal(hold.reason, EncryptedField.holdReason)
        owner = hold.owner
        placedAt = hold.placedAt
        releasedAt = nil
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql:
                "INSERT INTO legal_holds (id, account_id, categories, reason, owner, placed_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                id, account.description, categories.map(\.rawValue).sorted().joined(separator: ","), reason, owner,
                placedAt.storeValue,
            ]
        )
    }

    /// The hold, its reason opened; `(erased)` once the customer's key is gone.
    func open(_ codec: FieldCodec?) throws -> LegalHold {
        LegalHold(
            id: id,
            accountID: account,
            categories: categories,
            reason: try codec?.row(RowReference(id: id)).open(reason, EncryptedField.holdReason) ?? "(erased)",
            owner: owner,
            placedAt: placedAt,
            releasedAt: releasedAt
        )
    }
}

extension SQLStore {
    /// Inserts into `legal_holds` (the reason sealed under the customer's key) with a `hold.placed` audit
    /// entry in one transaction.
    public func placeHold(_ hold: LegalHold) async throws {
        // The reason may name people (a case title): sealed under the customer's key like other free text.
        let row = try HoldRow(sealing: hold, with: try await codec(hold.accountID))
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: hold.placedAt,
            actor: hold.owner,
            action: "hold.placed",
            subjectType: "account",
            subjectID: hold.accountID.description,
            fields: hold.categories.map(\.rawValue).sorted(),
            reason: hold.id
        )
        try await database.write { db in
            try row.insert(db)
            try signer.append(audit, db)
        }
    }

    /// Sets `legal_holds.released_at` with a `hold.released` audit entry in one transaction.
    public func releaseHold(_ id: String, at: Date, by: String) async throws -> Bool {
        let signer = try await auditSigner()
        return try await database.write { db in
            guard
                let account = try String.fetchOne(
                    db,
                    sql: "SELECT account_id FROM legal_holds WHERE id = ? AND released_at IS NULL",
                    arguments: [id]
                )
            else { return false }
            try db.execute(sql: "UPDATE legal_holds SET released_at = ? WHERE id = ?", arguments: [at.storeValue, id])
            try signer.append(
                AuditEvent(
                    at: at,
                    actor: by,
                    action: "hold.released",
                    subjectType: "account",
                    subjectID: account,
                    reason: id
                ),
                db
            )
            return true
        }
    }

    /// Reads the account's `legal_holds` rows, opens their reasons, and keeps those in force at `instant`.
    public func activeHolds(_ account: AccountID, at instant: Date) async throws -> [LegalHold] {
        let key = account.description
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM legal_holds WHERE account_id = ? ORDER BY placed_at",
                arguments: [key]
            )
            .compactMap(HoldRow.init)
        }
        return try await open(rows).filter { $0.placedAt <= instant && ($0.releasedAt.map { $0 > instant } ?? true) }
    }

    /// Reads `legal_holds`, oldest first; a reason whose customer was erased reads `(erased)`.
    public func holds(includeReleased: Bool) async throws -> [LegalHold] {
        let sql =
            "SELECT * FROM legal_holds" + (includeReleased ? "" : " WHERE released_at IS NULL") + " ORDER BY placed_at"
        let rows = try await database.read { db in try SQLRow.fetchAll(db, sql: sql).compactMap(HoldRow.init) }
        return try await open(rows)
    }

    private func open(_ rows: [HoldRow]) async throws -> [LegalHold] {
        var holds: [LegalHold] = []
        for row in rows { holds.append(try row.open(try await codec(subject: row.account.description))) }
        return holds
    }

    /// Inserts one row into `export_bundles`.
    public func recordBundle(_ bundle: ExportBundleRecord) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO export_bundles (id, account_id, request_id, path, sha256, created_at, expires_at, downloads_left)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    bundle.id, bundle.accountID.description, bundle.requestID.rawValue, bundle.path, bundle.sha256,
                    bundle.createdAt.storeValue, bundle.expiresAt.storeValue, bundle.downloadsLeft,
                ]
            )
        }
    }

    /// Reads one row of `export_bundles` by id.
    public func bundle(_ id: String) async throws -> ExportBundleRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM export_bundles WHERE id = ?", arguments: [id]).flatMap(
                Self.bundle
            )
        }
    }

    /// Reads the oldest `export_bundles` row of the request.
    public func bundle(forRequest request: RequestID) async throws -> ExportBundleRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(
                db,
                sql: "SELECT * FROM export_bundles WHERE request_id = ? ORDER BY created_at LIMIT 1",
                arguments: [request.rawValue]
            ).flatMap(Self.bundle)
        }
    }

    /// Decrements `downloads_left` with one conditional `UPDATE` (unexpired, uses left), then returns the
    /// row as updated, so `downloadsLeft` is what remains after this download.
    public func takeDownload(_ id: String, at: Date) async throws -> ExportBundleRecord? {
        try await database.write { db in
            // One statement decides and counts, so two downloads racing for the last use cannot both win.
            try db.execute(
                sql:
                    "UPDATE export_bundles SET downloads_left = downloads_left - 1 WHERE id = ? AND downloads_left > 0 AND expires_at > ?",
                arguments: [id, at.storeValue]
            )
            guard db.changesCount == 1 else { return nil }
            return try SQLRow.fetchOne(db, sql: "SELECT * FROM export_bundles WHERE id = ?", arguments: [id]).flatMap(
                Self.bundle
            )
        }
    }

    /// Reads `export_bundles` past `expires_at` or with no downloads left; holds are not considered.
    /// For the package's tests and inspection only: no workflow needs it, so it is not part of the store's contract.
    package func expiredBundles(at instant: Date) async throws -> [ExportBundleRecord] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM export_bundles WHERE expires_at <= ? OR downloads_left <= 0 ORDER BY expires_at",
                arguments: [instant.storeValue]
            ).compactMap(Self.bundle)
        }
    }

    /// Deletes the `export_bundles` row; the bundle's file is the caller's to remove.
    /// For the package's tests and inspection only: no workflow needs it, so it is not part of the store's contract.
    package func deleteBundleRecord(_ id: String) async throws {
        try await database.write { db in try db.execute(sql: "DELETE FROM export_bundles WHERE id = ?", arguments: [id])
        }
    }

    static func bundle(_ row: SQLRow) -> ExportBundleRecord? {
        guard let account = try? AccountID(row["account_id"] as String) else { return nil }
        return ExportBundleRecord(
            id: row["id"],
            accountID: account,
            requestID: RequestID(row["request_id"]),
            path: row["path"],
            sha256: row["sha256"],
            createdAt: Date(storeValue: row["created_at"]),
            expiresAt: Date(storeValue: row["expires_at"]),
            downloadsLeft: row["downloads_left"]
        )
    }
}

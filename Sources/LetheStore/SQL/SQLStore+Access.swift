import Foundation
import LetheCore

extension SQLStore {
    /// Inserts into `staff_users` with a `staff.added` audit entry in one serialized write.
    public func addStaffUser(_ user: StaffUserRecord, by actor: String) async throws {
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: user.createdAt,
            actor: actor,
            action: "staff.added",
            subjectType: "staff",
            subjectID: user.username,
            fields: [user.role.rawValue]
        )
        try await database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM staff_users WHERE username = ?", arguments: [user.username])
                ?? false
            {
                throw StoreError.staffExists(user.username)
            }
            try db.execute(
                sql: "INSERT INTO staff_users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user.username, user.role.rawValue, user.passwordHash, user.createdAt.storeValue]
            )
            try signer.append(audit, db)
        }
    }

    /// Reads one `staff_users` row, disabled or not.
    public func staffUser(_ username: String) async throws -> StaffUserRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM staff_users WHERE username = ?", arguments: [username])
                .flatMap(Self.staffUser)
        }
    }

    /// Reads every `staff_users` row by name; rows with an unknown role are skipped.
    public func staffUsers() async throws -> [StaffUserRecord] {
        try await database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM staff_users ORDER BY username").compactMap(Self.staffUser)
        }
    }

    private static func staffUser(_ row: SQLRow) -> StaffUserRecord? {
        guard let role = StaffRole(rawValue: row["role"]) else { return nil }
        return StaffUserRecord(
            username: row["username"],
            role: role,
            passwordHash: row["password_hash"],
            createdAt: Date(storeValue: row["created_at"]),
            disabledAt: (row["disabled_at"] as Double?).map(Date.init(storeValue:))
        )
    }

    /// Updates `staff_users`, deletes the user's `sessions` and appends `staff.password-set`, in one
    /// serialized write.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when there is no such user.
    public func setStaffPassword(_ username: String, hash: String, at: Date, by actor: String) async throws {
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: at,
            actor: actor,
            action: "staff.password-set",
            subjectType: "staff",
            subjectID: username
        )
        try await database.write { db in
            try db.execute(
                sql: "UPDATE staff_users SET password_hash = ?, disabled_at = NULL WHERE username = ?",
                arguments: [hash, username]
            )
            guard db.changesCount == 1 else {
                throw StoreError.invalidValue(field: "username", reason: "no such staff user")
            }
            try db.execute(sql: "DELETE FROM sessions WHERE staff_username = ?", arguments: [username])
            try signer.append(audit, db)
        }
    }

    /// Sets `disabled_at`, deletes the user's `sessions` and appends `staff.disabled`, in one serialized write.
    public func disableStaffUser(_ username: String, at: Date, by actor: String) async throws -> Bool {
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: at,
            actor: actor,
            action: "staff.disabled",
            subjectType: "staff",
            subjectID: username
        )
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE staff_users SET disabled_at = ? WHERE username = ? AND disabled_at IS NULL",
                arguments: [at.storeValue, username]
            )
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM sessions WHERE staff_username = ?", arguments: [username])
            try signer.append(audit, db)
            return true
        }
    }

    /// Inserts into `sign_in_failures` and drops failures older than a day, in one concurrent write (no
    /// advisory lock on PostgreSQL).
    public func recordSignInFailure(key: String, at: Date) async throws {
        try await database.write(.concurrent) { db in
            try db.execute(
                sql: "INSERT INTO sign_in_failures (key, at) VALUES (?, ?)",
                arguments: [key, at.storeValue]
            )
            // Old failures only ever count against a window; keep the table small.
            try db.execute(
                sql: "DELETE FROM sign_in_failures WHERE at < ?",
                arguments: [at.addingTimeInterval(-86_400).storeValue]
            )
        }
    }

    /// Counts the key's `sign_in_failures` rows since `since`.
    public func signInFailures(key: String, since: Date) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM sign_in_failures WHERE key = ? AND at >= ?",
                arguments: [key, since.storeValue]
            ) ?? 0
        }
    }

    /// Deletes the key's `sign_in_failures` rows.
    public func clearSignInFailures(key: String) async throws {
        try await database.write(.concurrent) { db in
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE key = ?", arguments: [key])
        }
    }

    /// Inserts into `sessions`, with the staff user name or the account id.
    public func createSession(hash: Data, _ session: SessionRecord) async throws {
        let (staff, account): (String?, String?)
        switch session.subject {
        case .staff(let name): (staff, account) = (name, nil)
        case .customer(let id): (staff, account) = (nil, id.description)
        }
        try await database.write(.concurrent) { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (token_hash, staff_username, account_id, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [hash, staff, account, session.createdAt.storeValue, session.expiresAt.storeValue]
            )
        }
    }

    /// Reads the session by token hash; nil when it has expired or its staff user is disabled.
    public func session(hash: Data, at: Date) async throws -> SessionRecord? {
        try await database.read { db in
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: """
                        SELECT s.*, u.disabled_at FROM sessions s LEFT JOIN staff_users u ON u.username = s.staff_username
                        WHERE s.token_hash = ? AND s.expires_at > ?
                        """,
                    arguments: [hash, at.storeValue]
                )
            else { return nil }
            let subject: SessionSubject
            if let name = row["staff_username"] as String? {
                guard (row["disabled_at"] as Double?) == nil else { return nil }
                subject = .staff(name)
            } else if let text = row["account_id"] as String?, let id = try? AccountID(text) {
                subject = .customer(id)
            } else {
                return nil
            }
            return SessionRecord(
                subject: subject,
                createdAt: Date(storeValue: row["created_at"]),
                expiresAt: Date(storeValue: row["expires_at"])
            )
        }
    }

    /// Deletes the `sessions` row, if any.
    public func deleteSession(hash: Data) async throws {
        try await database.write(.concurrent) { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [hash])
        }
    }

    /// Deletes `sessions` rows expiring at or before `instant`.
    public func deleteExpiredSessions(before instant: Date) async throws -> Int {
        try await database.write(.concurrent) { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [instant.storeValue])
            return db.changesCount
        }
    }

    /// Inserts into `api_tokens` with a `token.issued` audit entry in one serialized write.
    public func addAPIToken(_ token: APITokenRecord, hash: Data) async throws {
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: token.createdAt,
            actor: token.createdBy,
            action: "token.issued",
            subjectType: "api-token",
            subjectID: token.id,
            fields: [token.role.rawValue]
        )
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_tokens (id, secret_hash, name, role, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id, hash, token.name, token.role.rawValue, token.createdAt.storeValue, token.createdBy,
                ]
            )
            try signer.append(audit, db)
        }
    }

    /// Reads the `api_tokens` row whose `secret_hash` matches.
    public func apiToken(hash: Data) async throws -> APITokenRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE secret_hash = ?", arguments: [hash])
                .flatMap(Self.apiToken)
        }
    }

    /// Reads every `api_tokens` row, oldest first; secrets are never stored.
    public func apiTokens() async throws -> [APITokenRecord] {
        try await database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY created_at, id").compactMap(Self.apiToken)
        }
    }

    private static func apiToken(_ row: SQLRow) -> APITokenRecord? {
        guard let role = StaffRole(rawValue: row["role"]) else { return nil }
        return APITokenRecord(
            id: row["id"],
            name: row["name"],
            role: role,
            createdAt: Date(storeValue: row["created_at"]),
            createdBy: row["created_by"],
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(storeValue:))
        )
    }

    /// Sets `revoked_at` with a `token.revoked` audit entry in one serialized write.
    public func revokeAPIToken(_ id: String, at: Date, by actor: String) async throws -> Bool {
        let signer = try await auditSigner()
        let audit = AuditEvent(at: at, actor: actor, action: "token.revoked", subjectType: "api-token", subjectID: id)
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [at.storeValue, id]
            )
            guard db.changesCount == 1 else { return false }
            try signer.append(audit, db)
            return true
        }
    }
}

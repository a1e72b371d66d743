import Foundation
import LetheCore

extension SQLStore {
    /// Callbacks to agents are sealed under a key of Lethe's own: they outlive the customer they are
    /// about (a deletion is reported `fulfilled` after the customer's key is gone).
    static let agentsKeyOwner = "system:agents"

    /// Inserts into `drp_agents` with an `agent.added` audit entry in one serialized write.
    public func addAgent(_ agent: AuthorizedAgent, by actor: String) async throws {
        let signer = try await auditSigner()
        let audit = AuditEvent(
            at: agent.addedAt,
            actor: actor,
            action: "agent.added",
            subjectType: "agent",
            subjectID: agent.id,
            fields: [agent.assurance.stored]
        )
        try await database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM drp_agents WHERE id = ?", arguments: [agent.id]) ?? false {
                throw StoreError.agentExists(agent.id)
            }
            try db.execute(
                sql: """
                    INSERT INTO drp_agents (id, name, verify_key, assurance, callback_hosts, added_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    agent.id, agent.name, agent.verifyKey, agent.assurance.stored,
                    agent.callbackHosts.joined(separator: " "), agent.addedAt.storeValue,
                ]
            )
            try signer.append(audit, db)
        }
    }

    /// Reads one `drp_agents` row, revoked or not.
    public func agent(_ id: String) async throws -> AuthorizedAgent? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM drp_agents WHERE id = ?", arguments: [id]).flatMap(Self.agent)
        }
    }

    /// Reads every `drp_agents` row by id, revoked ones included.
    public func agents() async throws -> [AuthorizedAgent] {
        try await database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM drp_agents ORDER BY id").compactMap(Self.agent)
        }
    }

    private static func agent(_ row: SQLRow) -> AuthorizedAgent? {
        guard let assurance = IdentityAssurance(stored: row["assurance"]) else { return nil }
        return AuthorizedAgent(
            id: row["id"],
            name: row["name"],
            verifyKey: row["verify_key"],
            assurance: assurance,
            callbackHosts: (row["callback_hosts"] as String).split(separator: " ").map(String.init),
            addedAt: Date(storeValue: row["added_at"]),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(storeValue:))
        )
    }

    /// Sets `revoked_at`, clears `token_hash` and appends `agent.revoked`, in one serialized write.
    public func revokeAgent(_ id: String, at: Date, by actor: String) async throws -> Bool {
        let signer = try await auditSigner()
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE drp_agents SET revoked_at = ?, token_hash = NULL WHERE id = ? AND revoked_at IS NULL",
                arguments: [at.storeValue, id]
            )
            guard db.changesCount == 1 else { return false }
            try signer.append(
                AuditEvent(at: at, actor: actor, action: "agent.revoked", subjectType: "agent", subjectID: id),
                db
            )
            return true
        }
    }

    /// Replaces `drp_agents.token_hash` with an `agent.paired` audit entry in one serialized write.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when there is no active agent `id`.
    public func issueAgentToken(_ id: String, tokenHash: Data, at: Date) async throws {
        let signer = try await auditSigner()
        try await database.write { db in
            try db.execute(
                sql: "UPDATE drp_agents SET token_hash = ?, token_issued_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [tokenHash, at.storeValue, id]
            )
            guard db.changesCount == 1 else {
                throw StoreError.invalidValue(field: "agent", reason: "no active agent \(id)")
            }
            try signer.append(
                AuditEvent(at: at, actor: "agent:\(id)", action: "agent.paired", subjectType: "agent", subjectID: id),
                db
            )
        }
    }

    /// Looks the hash up in `drp_agents`, ignoring revoked agents.
    public func agentID(forTokenHash hash: Data) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT id FROM drp_agents WHERE token_hash = ? AND revoked_at IS NULL",
                arguments: [hash]
            )
        }
    }

    /// Deletes expired rows of `drp_signatures`, then inserts the digest unless present, in one concurrent
    /// write (no advisory lock on PostgreSQL; the digest's primary key decides a race).
    public func recordSignature(_ digest: Data, agentID: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await database.write(.concurrent) { db in
            try db.execute(sql: "DELETE FROM drp_signatures WHERE expires_at < ?", arguments: [now.storeValue])
            try db.execute(
                sql:
                    "INSERT INTO drp_signatures (digest, agent_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [digest, agentID, expiresAt.storeValue]
            )
            return db.changesCount == 1
        }
    }

    /// Looks the digest up in `drp_signatures`; an expired row not yet dropped still counts.
    public func signatureSeen(_ digest: Data) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM drp_signatures WHERE digest = ?", arguments: [digest]) ?? false
        }
    }

    /// Looks the signature digest up in `drp_requests`, else inserts `record`, in one serialized write.
    public func linkDRPRequest(_ record: DRPRequestRecord) async throws -> DRPRequestRecord {
        try await database.write { db in
            if let existing = try SQLRow.fetchOne(
                db,
                sql: "SELECT * FROM drp_requests WHERE digest = ?",
                arguments: [record.digest]
            ).map(Self.drpRequest) {
                return existing
            }
            try db.execute(
                sql: """
                    INSERT INTO drp_requests
                        (id, digest, request_id, agent_id, agent_request_id, status_callback, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.digest, record.requestID.rawValue, record.agentID, record.agentRequestID,
                    record.statusCallback,
                    record.receivedAt.storeValue,
                ]
            )
            return record
        }
    }

    /// Reads one `drp_requests` row by protocol id.
    public func drpRequest(_ id: String) async throws -> DRPRequestRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM drp_requests WHERE id = ?", arguments: [id]).map(
                Self.drpRequest
            )
        }
    }

    /// Reads `drp_requests` not yet settled, by ascending id after `afterID`.
    public func unsettledDRPRequests(after afterID: String?, limit: Int) async throws -> [DRPRequestRecord] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM drp_requests WHERE settled_at IS NULL AND id > ? ORDER BY id LIMIT ?",
                arguments: [afterID ?? "", limit]
            ).map(Self.drpRequest)
        }
    }

    /// Sets `drp_requests.denied_reason`; an unknown id changes nothing.
    public func setDRPDeniedReason(_ id: String, reason: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE drp_requests SET denied_reason = ? WHERE id = ?", arguments: [reason, id])
        }
    }

    /// Compare-and-sets `pushed_state` (and `settled_at`) and inserts the message, sealed under the
    /// `system:agents` key, in one serialized write.
    public func recordDRPPush(
        _ id: String,
        state: String,
        settled: Bool,
        message: OutboxMessage?,
        at: Date
    )
        async throws -> Bool
    {
        var sealed: OutboxRow?
        if let message {
            sealed = try OutboxRow(sealing: message, with: try await systemCodec(Self.agentsKeyOwner), at: at)
        }
        let queued = sealed
        return try await database.write { db in
            // Compare-and-set on the last pushed state: two workers syncing at once push a change once.
            try db.execute(
                sql: """
                    UPDATE drp_requests SET pushed_state = ?, settled_at = ?
                    WHERE id = ? AND settled_at IS NULL AND (pushed_state IS NULL OR pushed_state <> ?)
                    """,
                arguments: [state, settled ? at.storeValue : nil, id, state]
            )
            guard db.changesCount == 1 else { return false }
            try queued?.insert(db)
            return true
        }
    }

    private static func drpRequest(_ row: SQLRow) -> DRPRequestRecord {
        DRPRequestRecord(
            id: row["id"],
            digest: row["digest"],
            requestID: RequestID(row["request_id"]),
            agentID: row["agent_id"],
            agentRequestID: row["agent_request_id"],
            statusCallback: row["status_callback"],
            receivedAt: Date(storeValue: row["received_at"]),
            deniedReason: row["denied_reason"],
            pushedState: row["pushed_state"],
            settledAt: (row["settled_at"] as Double?).map(Date.init(storeValue:))
        )
    }
}

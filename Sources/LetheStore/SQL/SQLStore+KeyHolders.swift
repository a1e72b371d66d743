import Foundation
import LetheCore
import LetheCrypto

// The keyring across processes: which versions each live process holds, and which one is primary.
extension SQLStore {
    /// Upserts the `key_holders` row of `node`, in one concurrent write.
    public func announceKeyring(node: String, versions: [UInt32], primary: UInt32, at: Date) async throws {
        let list = versions.sorted().map(String.init).joined(separator: ",")
        try await database.write(.concurrent) { db in
            try db.execute(
                sql: """
                    INSERT INTO key_holders (node, versions, primary_version, seen_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (node) DO UPDATE SET versions = excluded.versions,
                        primary_version = excluded.primary_version, seen_at = excluded.seen_at
                    """,
                arguments: [node, list, Int64(primary), at.storeValue]
            )
        }
    }

    /// Reads `key_holders` seen at `since` or later, by node.
    public func keyHolders(since: Date) async throws -> [KeyHolder] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM key_holders WHERE seen_at >= ? ORDER BY node",
                arguments: [since.storeValue]
            ).map { row in
                KeyHolder(
                    node: row["node"],
                    versions: (row["versions"] as String).split(separator: ",").compactMap { UInt32($0) },
                    primary: UInt32(row["primary_version"] as Int64),
                    seenAt: Date(storeValue: row["seen_at"])
                )
            }
        }
    }

    /// Deletes the `key_holders` row of `node`.
    public func forgetKeyHolder(node: String) async throws {
        try await database.write(.concurrent) { db in
            try db.execute(sql: "DELETE FROM key_holders WHERE node = ?", arguments: [node])
        }
    }

    /// Reads `key_primary`.
    public func promotedPrimary() async throws -> UInt32? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT version FROM key_primary WHERE id = 1").map { UInt32($0) }
        }
    }

    /// Upserts `key_primary` and appends a `key.promoted` audit entry, in one serialized write.
    public func promotePrimary(_ version: UInt32, at: Date, by actor: String) async throws {
        let signer = try await auditSigner()
        let event = AuditEvent(
            at: at,
            actor: actor,
            action: "key.promoted",
            subjectType: "master-key",
            subjectID: "v\(version)",
            fields: ["primary"],
            reason: "rotation: every live process holds v\(version)"
        )
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO key_primary (id, version, at) VALUES (1, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, at = excluded.at
                    """,
                arguments: [Int64(version), at.storeValue]
            )
            try signer.append(event, db)
        }
    }
}

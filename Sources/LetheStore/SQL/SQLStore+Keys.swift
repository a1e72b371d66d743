import Foundation
import LetheCore
import LetheCrypto

extension SQLStore {
    /// Groups `data_keys` by `master_version`.
    public func dataKeyCounts() async throws -> [UInt32: Int] {
        let rows = try await database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT master_version, COUNT(*) AS n FROM data_keys GROUP BY master_version")
                .map { (UInt32($0["master_version"] as Int64), $0["n"] as Int) }
        }
        return Dictionary(uniqueKeysWithValues: rows)
    }

    /// Rewraps one batch of `data_keys` rows in one transaction; on PostgreSQL the rows are taken with
    /// `FOR UPDATE SKIP LOCKED`, so processes rotating at once never rewrap the same row.
    public func rewrapDataKeys(limit: Int) async throws -> Int {
        let keyring = await vault.keyring
        let primary = Int64(keyring.primaryVersion)
        let faults = self.faults
        // One transaction per batch: the rows are locked as they are read (skipping rows another process
        // is rewrapping), so several processes rotating at once share the work and never redo a row.
        return try await database.write(.concurrent) { db in
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT account_id, key_id, key_version, master_version, sealed FROM data_keys
                    WHERE master_version <> ? ORDER BY account_id LIMIT ?\(db.skipLocked)
                    """,
                arguments: [primary, limit]
            ).map { row in
                WrappedDataKey(
                    customerID: row["account_id"],
                    id: DataKeyID(keyID: UInt32(row["key_id"] as Int64), version: UInt16(row["key_version"] as Int64)),
                    masterVersion: UInt32(row["master_version"] as Int64),
                    sealed: Array(row["sealed"] as Data)
                )
            }
            var count = 0
            for old in rows {
                let new = try keyring.rewrap(old)
                try db.execute(
                    sql: """
                        UPDATE data_keys SET master_version = ?, sealed = ?
                        WHERE account_id = ? AND key_id = ? AND key_version = ? AND master_version = ?
                        """,
                    arguments: [
                        Int64(new.masterVersion), Data(new.sealed), old.customerID, Int64(old.id.keyID),
                        Int64(old.id.version), Int64(old.masterVersion),
                    ]
                )
                count += db.changesCount
                try faults.check("rewrap.after-row")
            }
            return count
        }
    }
}

extension SQLStore {
    /// Usage by master version; version 0 collects tokens of unknown version (written before tokens
    /// recorded theirs), which block retiring any version until they are recomputed or expire.
    public func keyVersionUsage() async throws -> [UInt32: KeyVersionUsage] {
        try await database.read { db in
            var usage: [UInt32: KeyVersionUsage] = [:]
            func add(_ sql: String, _ path: WritableKeyPath<KeyVersionUsage, Int>) throws {
                for row in try SQLRow.fetchAll(db, sql: sql) {
                    let version = UInt32((row["v"] as Int64?) ?? 0)
                    usage[version, default: KeyVersionUsage()][keyPath: path] += row["n"] as Int
                }
            }
            try add("SELECT master_version AS v, COUNT(*) AS n FROM data_keys GROUP BY master_version", \.dataKeys)
            try add(
                "SELECT email_index_version AS v, COUNT(*) AS n FROM accounts GROUP BY email_index_version",
                \.accountIndexes
            )
            try add(
                """
                SELECT phone_index_version AS v, COUNT(*) AS n FROM accounts WHERE phone_index IS NOT NULL
                GROUP BY phone_index_version
                """,
                \.accountIndexes
            )
            try add("SELECT index_version AS v, COUNT(*) AS n FROM suppressions GROUP BY index_version", \.suppressions)
            try add("SELECT key_version AS v, COUNT(*) AS n FROM audit_log GROUP BY key_version", \.auditEntries)
            try add("SELECT key_version AS v, COUNT(*) AS n FROM audit_checkpoint GROUP BY key_version", \.auditEntries)
            try add("SELECT key_version AS v, COUNT(*) AS n FROM audit_head GROUP BY key_version", \.auditEntries)
            return usage
        }
    }

    /// Recomputes up to `limit` accounts' email and phone tokens under the primary master version;
    /// returns how many accounts it moved. Safe to run from several processes at once and to resume
    /// after a kill: each row is updated only if its tokens are still the ones read (compare-and-set).
    public func reindexBlindIndexes(limit: Int) async throws -> Int {
        let primary = Int64(await vault.keyring.primaryVersion)
        let rows = try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT id, email, phone, email_index, phone_index, seal_ref FROM accounts
                    WHERE email_index_version IS NULL OR email_index_version <> ?
                        OR (phone IS NOT NULL AND (phone_index_version IS NULL OR phone_index_version <> ?))
                    ORDER BY id LIMIT ?
                    """,
                arguments: [primary, primary, limit]
            )
        }
        var updates: [(account: String, oldEmail: Data, email: Data, phone: Data?)] = []
        for row in rows {
            let account: String = row["id"]
            let codec = try await codec(try AccountID(account)).row(try RowReference.stored(row["seal_ref"]))
            let email = try codec.open(row["email"] as Data, EncryptedField.email)
            let phone = try codec.openOptional(row["phone"] as Data?, EncryptedField.phone)
            updates.append(
                (
                    account, row["email_index"] as Data, try await emailIndex(email),
                    try await phone.asyncMap { try await self.phoneIndex($0) }
                )
            )
        }
        let batch = updates
        return try await database.write(.concurrent) { db in
            var moved = 0
            for update in batch {
                try db.execute(
                    sql: """
                        UPDATE accounts SET email_index = ?, email_index_version = ?, phone_index = ?,
                            phone_index_version = ?
                        WHERE id = ? AND email_index = ?
                        """,
                    arguments: [
                        update.email, primary, update.phone, update.phone == nil ? nil : primary, update.account,
                        update.oldEmail,
                    ]
                )
                moved += db.changesCount
            }
            return moved
        }
    }
}

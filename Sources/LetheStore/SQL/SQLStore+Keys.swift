import Foundation
import LetheCrypto

extension SQLStore {
    public func dataKeyCounts() async throws -> [UInt32: Int] {
        let rows = try await database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT master_version, COUNT(*) AS n FROM data_keys GROUP BY master_version")
                .map { (UInt32($0["master_version"] as Int64), $0["n"] as Int) }
        }
        return Dictionary(uniqueKeysWithValues: rows)
    }

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

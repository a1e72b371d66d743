import Foundation
import GRDB
import LetheCrypto

extension SQLiteStore {
    public func dataKeyCounts() async throws -> [UInt32: Int] {
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT master_version, COUNT(*) AS n FROM data_keys GROUP BY master_version")
                .map { (UInt32($0["master_version"] as Int64), $0["n"] as Int) }
        }
        return Dictionary(uniqueKeysWithValues: rows)
    }

    public func rewrapDataKeys(limit: Int) async throws -> Int {
        let keyring = await vault.keyring
        let primary = Int64(keyring.primaryVersion)
        let rows = try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT account_id, key_id, key_version, master_version, sealed FROM data_keys
                    WHERE master_version <> ? ORDER BY account_id LIMIT ?
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
        }
        let rewrapped = try rows.map { (old: $0, new: try keyring.rewrap($0)) }
        let faults = self.faults
        return try await pool.write { db in
            var count = 0
            for pair in rewrapped {
                // Compare-and-swap: a row changed (or erased) since it was read is left for the next batch.
                try db.execute(
                    sql: """
                        UPDATE data_keys SET master_version = ?, sealed = ?
                        WHERE account_id = ? AND key_id = ? AND key_version = ? AND master_version = ? AND sealed = ?
                        """,
                    arguments: [
                        Int64(pair.new.masterVersion), Data(pair.new.sealed), pair.old.customerID,
                        Int64(pair.old.id.keyID), Int64(pair.old.id.version), Int64(pair.old.masterVersion),
                        Data(pair.old.sealed),
                    ]
                )
                count += db.changesCount
                try faults.check("rewrap.after-row")
            }
            return count
        }
    }
}

import Foundation
import LetheCore
import LetheCrypto

// One-time codes: stored as hashes, with attempts and sends counted for the rate limits.
extension SQLStore {
    /// Reads the `verification_codes` row of `purpose`.
    public func verificationCode(_ purpose: String) async throws -> VerificationCodeRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM verification_codes WHERE purpose = ?", arguments: [purpose])
                .map(
                    Self.code
                )
        }
    }

    static func code(_ row: SQLRow) -> VerificationCodeRecord {
        VerificationCodeRecord(
            hash: Array(row["code_hash"] as Data),
            createdAt: Date(storeValue: row["created_at"]),
            expiresAt: Date(storeValue: row["expires_at"]),
            attempts: row["attempts"],
            locked: row["locked"],
            addressIndex: Array(row["address_index"] as Data)
        )
    }

    /// Locks the code on success, or counts a failure and locks at `maxAttempts`, then rereads it, in one
    /// serialized write; nil when there is no code for `purpose`.
    public func recordCodeAttempt(
        _ purpose: String,
        succeeded: Bool,
        maxAttempts: Int
    ) async throws -> VerificationCodeRecord? {
        try await database.write { db in
            if succeeded {
                // A used code is spent: it cannot verify twice.
                try db.execute(
                    sql: "UPDATE verification_codes SET locked = TRUE WHERE purpose = ?",
                    arguments: [purpose]
                )
            } else {
                try db.execute(
                    sql: """
                        UPDATE verification_codes SET attempts = attempts + 1,
                            locked = CASE WHEN attempts + 1 >= ? THEN TRUE ELSE locked END
                        WHERE purpose = ?
                        """,
                    arguments: [maxAttempts, purpose]
                )
            }
            return try SQLRow.fetchOne(
                db,
                sql: "SELECT * FROM verification_codes WHERE purpose = ?",
                arguments: [purpose]
            )
            .map(Self.code)
        }
    }

    /// Upserts `verification_codes` (attempts reset, unlocked), inserts a `code_sends` row and the sealed
    /// `outbox` message in one serialized write.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when `keyOwner` has no key.
    public func replaceCode(
        _ purpose: String,
        keyOwner: String,
        rateSubject: String,
        _ code: VerificationCodeRecord,
        message: OutboxMessage
    ) async throws {
        guard let codec = try await codec(subject: keyOwner) else {
            throw StoreError.invalidValue(field: "code", reason: "no key for \(keyOwner)")
        }
        let sealed = try OutboxRow(sealing: message, with: codec, at: code.createdAt)
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO verification_codes (purpose, code_hash, created_at, expires_at, attempts, locked, address_index)
                    VALUES (?, ?, ?, ?, 0, FALSE, ?)
                    ON CONFLICT(purpose) DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at,
                        expires_at = excluded.expires_at, attempts = 0, locked = FALSE, address_index = excluded.address_index
                    """,
                arguments: [
                    purpose, Data(code.hash), code.createdAt.storeValue, code.expiresAt.storeValue,
                    Data(code.addressIndex),
                ]
            )
            try db.execute(
                sql: "INSERT INTO code_sends (subject_id, address_index, at) VALUES (?, ?, ?)",
                arguments: [rateSubject, Data(code.addressIndex), code.createdAt.storeValue]
            )
            try sealed.insert(db)
        }
    }

    /// Counts `code_sends` rows since `since` for the subject and for the address token, in one snapshot.
    public func codeSends(
        subject: String,
        addressIndex: [UInt8],
        since: Date
    ) async throws -> (subject: Int, address: Int) {
        let index = Data(addressIndex)
        return try await database.read { db in
            (
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM code_sends WHERE subject_id = ? AND at >= ?",
                    arguments: [subject, since.storeValue]
                ) ?? 0,
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM code_sends WHERE address_index = ? AND at >= ?",
                    arguments: [index, since.storeValue]
                ) ?? 0
            )
        }
    }
}

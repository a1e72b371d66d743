import Foundation
import GRDB
import LetheCore
import LetheCrypto

/// Named points inside store transactions where a test can make the transaction fail, to prove that
/// a crash between steps leaves nothing half-written. Empty in production.
public struct StoreFaults: Sendable {
    public let points: Set<String>
    public init(_ points: Set<String> = []) { self.points = points }

    func check(_ point: String) throws {
        if points.contains(point) { throw StoreError.injectedFault(point) }
    }
}

/// The embedded store: one SQLite file in WAL mode through a GRDB `DatabasePool` (concurrent reads,
/// serialized writes), foreign keys on, migrated at open. Personal columns hold ciphertext only.
public final class SQLiteStore: LetheStore {
    let pool: DatabasePool
    public let vault: KeyVault
    let faults: StoreFaults
    /// The database file, for operators and the plaintext-scan tests.
    public let path: String

    /// Opens (creating if needed) `folder/lethe.sqlite` and runs every pending migration.
    public init(folder: String, vault: KeyVault, faults: StoreFaults = StoreFaults()) throws {
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        path = (folder as NSString).appendingPathComponent("lethe.sqlite")
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Overwrite deleted content instead of leaving it in free pages: erasure means erasure.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
        self.vault = vault
        self.faults = faults
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    // MARK: Keys and codecs

    func wrappedKey(_ id: AccountID) async throws -> WrappedDataKey? {
        try await wrappedKey(subject: id.description)
    }

    func wrappedKey(subject: String) async throws -> WrappedDataKey? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT key_id, key_version, master_version, sealed FROM data_keys
                    WHERE account_id = ? ORDER BY key_version DESC LIMIT 1
                    """,
                arguments: [subject]
            ).map { row in
                WrappedDataKey(
                    customerID: subject,
                    id: DataKeyID(keyID: UInt32(row["key_id"] as Int64), version: UInt16(row["key_version"] as Int64)),
                    masterVersion: UInt32(row["master_version"] as Int64),
                    sealed: Array(row["sealed"] as Data)
                )
            }
        }
    }

    /// A codec for one customer's columns, or `keyMissing` when their key is gone.
    func codec(_ id: AccountID) async throws -> FieldCodec {
        guard let codec = try await codec(subject: id.description) else { throw StoreError.keyMissing(id) }
        return codec
    }

    /// The codec of any key owner (an account, or a request about an unknown person); nil when shredded.
    func codec(subject: String) async throws -> FieldCodec? {
        guard
            let (keyID, key) = try await vault.dataKey(
                for: subject,
                wrapped: { try await self.wrappedKey(subject: subject) }
            )
        else { return nil }
        return try FieldCodec(customerID: subject, keyID: keyID, key: key)
    }

    /// The blind-index token of an email, or an `invalidValue` error that does not repeat the value.
    func emailIndex(_ email: String) async throws -> Data {
        let normalised: String
        do { normalised = try BlindIndex.normaliseEmail(email) } catch {
            throw StoreError.invalidValue(field: "email", reason: error.description)
        }
        let index = try BlindIndex(key: await vault.blindIndexKey(EncryptedField.email), location: EncryptedField.email)
        return Data(try index.token(normalised: normalised))
    }

    func phoneIndex(_ phone: String) async throws -> Data {
        let normalised: String
        do { normalised = try BlindIndex.normalisePhone(phone) } catch {
            throw StoreError.invalidValue(field: "phone", reason: error.description)
        }
        let index = try BlindIndex(key: await vault.blindIndexKey(EncryptedField.phone), location: EncryptedField.phone)
        return Data(try index.token(normalised: normalised))
    }
}

extension Date {
    var storeValue: Double { timeIntervalSince1970 }
    init(storeValue: Double) { self.init(timeIntervalSince1970: storeValue) }
}

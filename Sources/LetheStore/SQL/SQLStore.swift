import Foundation
import LetheCore
import LetheCrypto

/// Named points inside store transactions where a test can make the transaction fail, to prove that
/// a crash between steps leaves nothing half-written. Empty in production.
public struct StoreFaults: Sendable {
    /// The names of the points that fail, such as `create.after-key` or `erase.after-data_keys`.
    public let points: Set<String>
    /// Fails at each of `points`; with none (the default), nothing fails.
    public init(_ points: Set<String> = []) { self.points = points }

    func check(_ point: String) throws {
        if points.contains(point) { throw StoreError.injectedFault(point) }
    }
}

/// Lethe's store on a SQL database: SQLite embedded (the default), or PostgreSQL shared by several
/// nodes. Every statement is written once against `SQLSession`; the backend supplies transactions,
/// and its dialect the few statements that differ. Personal columns hold ciphertext only.
public final class SQLStore: LetheStore {
    let database: any SQLBackend
    /// The key cache this store unwraps customer keys with and evicts them from on erasure.
    public let vault: KeyVault
    let faults: StoreFaults
    /// The SQLite database file, for operators and the plaintext-scan tests; nil on PostgreSQL.
    public let sqlitePath: String?

    init(database: any SQLBackend, sqlitePath: String?, vault: KeyVault, faults: StoreFaults) {
        self.database = database
        self.sqlitePath = sqlitePath
        self.vault = vault
        self.faults = faults
    }

    /// Opens (creating if needed) the embedded store `folder/lethe.sqlite` and runs every pending migration.
    public convenience init(folder: String, vault: KeyVault, faults: StoreFaults = StoreFaults()) throws {
        let backend = try SQLiteBackend(folder: folder)
        self.init(database: backend, sqlitePath: backend.path, vault: vault, faults: faults)
    }

    /// Which engine holds the data: `sqlite` or `postgresql`.
    public var engine: String { database.dialect == .sqlite ? "sqlite" : "postgresql" }

    /// Where the data is, for status lines and logs: the SQLite file, or the PostgreSQL URL without its password.
    public var location: String {
        if let sqlitePath { return sqlitePath }
        return (database as? PostgresBackend)?.settings.redacted ?? engine
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await database.read { db in
            switch db.dialect {
            case .sqlite:
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            case .postgres:
                return try String.fetchAll(db, sql: "SELECT name FROM lethe_migrations ORDER BY applied_order")
            }
        }
    }

    /// Closes the connections; the store must not be used afterwards.
    public func close() async { await database.close() }

    // MARK: Keys and codecs

    func wrappedKey(_ id: AccountID) async throws -> WrappedDataKey? {
        try await wrappedKey(subject: id.description)
    }

    func wrappedKey(subject: String) async throws -> WrappedDataKey? {
        try await database.read { db in
            try SQLRow.fetchOne(
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
    ///
    /// The key's row is checked on every use, in every process: a key destroyed anywhere (an erasure run
    /// by another process) is dropped from this process's cache at its next use, so nothing here reads
    /// with it or seals new data under it again. Only the unwrapping is cached, not the key's existence.
    func codec(subject: String) async throws -> FieldCodec? {
        // One read: the row is the existence check, and on a cache miss it is also what gets unwrapped.
        guard let current = try await wrappedKey(subject: subject) else {
            await vault.forget(subject)
            return nil
        }
        guard
            let (keyID, key) = try await vault.dataKey(for: subject, expecting: current.id, wrapped: { current })
        else { return nil }
        return try FieldCodec(customerID: subject, keyID: keyID, key: key)
    }

    /// A codec under a key that belongs to Lethe rather than a customer (recipients' secrets, agents'
    /// callbacks), created on first use.
    func systemCodec(_ owner: String) async throws -> FieldCodec {
        if let codec = try await codec(subject: owner) { return codec }
        let (_, wrapped) = try await vault.newDataKey(for: owner)
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO data_keys (account_id, key_id, key_version, master_version, sealed, created_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [
                    owner, Int64(wrapped.id.keyID), Int64(wrapped.id.version), Int64(wrapped.masterVersion),
                    Data(wrapped.sealed), Date().storeValue,
                ]
            )
        }
        // Another process may have won the race: read back whichever key is stored.
        guard let codec = try await codec(subject: owner) else {
            throw StoreError.invalidValue(field: owner, reason: "the key could not be stored")
        }
        return codec
    }

    /// The blind-index token of an email under the primary version (what is stored), or an `invalidValue`
    /// error that does not repeat the value.
    func emailIndex(_ email: String) async throws -> Data { try await emailIndexes(email)[0] }

    func phoneIndex(_ phone: String) async throws -> Data { try await phoneIndexes(phone)[0] }

    /// The email's tokens under every loaded master version, the primary first, for lookups and
    /// uniqueness that hold across a half-finished rotation.
    func emailIndexes(_ email: String) async throws -> [Data] {
        let normalised: String
        do { normalised = try BlindIndex.normaliseEmail(email) } catch {
            throw StoreError.invalidValue(field: "email", reason: error.description)
        }
        return try await tokens(normalised, EncryptedField.email)
    }

    func phoneIndexes(_ phone: String) async throws -> [Data] {
        let normalised: String
        do { normalised = try BlindIndex.normalisePhone(phone) } catch {
            throw StoreError.invalidValue(field: "phone", reason: error.description)
        }
        return try await tokens(normalised, EncryptedField.phone)
    }

    private func tokens(_ normalised: String, _ location: FieldLocation) async throws -> [Data] {
        try await vault.blindIndexKeys(location).map {
            Data(try BlindIndex(key: $0.key, location: location).token(normalised: normalised))
        }
    }

    /// `?, ?, …` for an IN list of `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: max(1, count)).joined(separator: ", ")
    }
}

extension Date {
    var storeValue: Double { timeIntervalSince1970 }
    init(storeValue: Double) { self.init(timeIntervalSince1970: storeValue) }
}

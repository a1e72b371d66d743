import Foundation
import GRDB
import Synchronization

/// The embedded backend: one SQLite file in WAL mode through a GRDB `DatabasePool` (concurrent
/// snapshot reads, one writer at a time), foreign keys on, migrated at open.
struct SQLiteBackend: SQLBackend {
    let pool: DatabasePool
    let path: String
    /// Every write goes through here, so that writes arriving together share a commit.
    let commits: GroupCommit
    /// The checkpoints that scrub erased content from the files, shared by erasures that finish together.
    let scrubs: CoalescedRun
    var dialect: SQLDialect { .sqlite }

    /// Opens (creating if needed) `folder/lethe.sqlite` and runs every pending migration.
    init(folder: String) throws {
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        path = (folder as NSString).appendingPathComponent("lethe.sqlite")
        // SQLite creates its WAL and shared-memory files with the database file's mode, so the database
        // file is created (or narrowed) to owner-only first: the folder's mode alone is not enough when
        // the folder already existed with a wider one.
        try Self.restrictToOwner(path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Overwrite deleted content instead of leaving it in free pages: erasure means erasure.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
        commits = GroupCommit(pool: pool)
        scrubs = CoalescedRun { [pool] in try await Self.checkpoint(pool) }
        for companion in [path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: companion) {
            try Self.restrictToOwner(companion)
        }
    }

    /// Creates `file` empty with mode 0600 if it does not exist, else sets its mode to 0600.
    static func restrictToOwner(_ file: String) throws {
        if FileManager.default.fileExists(atPath: file) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        } else if !FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600]) {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file])
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.read { db in try body(GRDBSession(db)) }
    }

    // SQLite has one writer at a time, so both modes are the same: a savepoint in the next group
    // transaction, answered after it commits (see ``GroupCommit``).
    func write<T: Sendable>(
        _ mode: SQLWriteMode,
        _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        try await commits.write { db in try body(GRDBSession(db)) }
    }

    /// `secure_delete` zeroes deleted cells in the pages a transaction writes, but the WAL still holds
    /// earlier versions of those pages (with the deleted bytes) until a checkpoint, and the main file holds
    /// them until the new versions are copied back. A TRUNCATE checkpoint copies every frame into the main
    /// file and truncates the WAL to nothing; it waits (through the busy timeout) for readers of older
    /// snapshots, and is retried a few times if they outlast it. Erasures that finish together share one
    /// checkpoint that starts after all of them (``CoalescedRun``).
    func scrubDeletedContent() async throws {
        try await scrubs.run()
    }

    static func checkpoint(_ pool: DatabasePool) async throws {
        var attempt = 0
        while true {
            do {
                try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 5 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    func close() async { try? pool.close() }
}

/// A GRDB connection seen through ``SQLSession``.
final class GRDBSession: SQLSession {
    let db: Database
    init(_ db: Database) { self.db = db }

    var dialect: SQLDialect { .sqlite }
    var changesCount: Int { db.changesCount }
    func lastInsertedRowID() throws -> Int64 { db.lastInsertedRowID }

    func execute(sql: String, arguments: SQLArguments) throws {
        try mapped {
            guard let statement = try Self.statements.statement(sql, in: db) else {
                return try db.execute(sql: sql, arguments: Self.bind(arguments))
            }
            try statement.execute(arguments: Self.bind(arguments))
        }
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try mapped {
            let statement = try Self.statements.statement(sql, in: db) ?? db.makeStatement(sql: sql)
            // One array of names, shared by every row of the result.
            let names = statement.columnNames
            return try Row.fetchAll(statement, arguments: Self.bind(arguments)).map { row in
                SQLRow(names: names, values: row.databaseValues.map(Self.value))
            }
        }
    }

    /// Which statements stay prepared on each connection.
    static let statements = PreparedStatements()

    private func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw SQLConstraintViolation(
                kind: error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                    || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY ? .unique : .other,
                message: error.message ?? "constraint violated"
            )
        }
    }

    private static func bind(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.map { argument -> DatabaseValue in
                switch argument?.sqlValue ?? .null {
                case .null: return .null
                case .integer(let value): return value.databaseValue
                case .real(let value): return value.databaseValue
                case .text(let value): return value.databaseValue
                case .blob(let value): return value.databaseValue
                case .bool(let value): return value.databaseValue
                }
            }
        )
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: return .null
        case .int64(let value): return .integer(value)
        case .double(let value): return .real(value)
        case .string(let value): return .text(value)
        case .blob(let value): return .blob(value)
        }
    }
}

/// Which statements each connection keeps prepared.
///
/// Preparing is a large part of a short statement's cost (SQLite parses it and GRDB's authorizer is
/// called for every column it reads), and the store runs the same few hundred statements all day. GRDB
/// keeps a connection's cached statements for as long as the connection lives, with no limit, so only
/// the first ``limit`` distinct texts are cached: the store's fixed statements are among them within
/// moments of starting, while texts built with values in them (a purge's cut-off, a page's offset) can
/// never grow the caches past that bound.
final class PreparedStatements: Sendable {
    let limit: Int
    private let admitted = Mutex(Set<String>())

    init(limit: Int = 512) { self.limit = limit }

    /// The connection's prepared statement for `sql`, or nil when it is not to be cached (more than one
    /// statement, or past the limit).
    func statement(_ sql: String, in db: Database) throws -> Statement? {
        guard !Self.isCompound(sql), admit(sql) else { return nil }
        return try db.cachedStatement(sql: sql)
    }

    private func admit(_ sql: String) -> Bool {
        admitted.withLock { admitted in
            if admitted.contains(sql) { return true }
            guard admitted.count < limit else { return false }
            admitted.insert(sql)
            return true
        }
    }

    /// More than one statement in the text: those are run by `Database.execute`, never prepared once.
    static func isCompound(_ sql: String) -> Bool {
        guard let semicolon = sql.utf8.firstIndex(of: UInt8(ascii: ";")) else { return false }
        return sql.utf8[sql.utf8.index(after: semicolon)...].contains { !(($0 == 0x20) || ($0 >= 0x09 && $0 <= 0x0D)) }
    }

    /// How many distinct texts are cached.
    var count: Int { admitted.withLock { $0.count } }
}

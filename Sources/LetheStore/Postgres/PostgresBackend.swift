import Foundation
import LetheCore
import Logging
import PostgresNIO

/// The shared backend: PostgreSQL through a PostgresNIO connection pool, for several Lethe processes
/// on one database.
///
/// The store's statements are synchronous (they run inside a transaction closure, as GRDB's do), so
/// each transaction runs on a thread of its own pool, as large as the connection pool, and waits there
/// for its connection's answers. No thread of the async runtime ever blocks.
///
/// Serialized writes take one transaction-scoped advisory lock first. That gives every such write what
/// SQLite's single writer gives it (nothing changes between its reads and its writes, and the audit
/// chain grows one entry at a time), across every process on the database. Concurrent writes (job
/// leases with `FOR UPDATE SKIP LOCKED`, delivery marks, sessions) skip the lock and rely on row locks.
final class PostgresBackend: SQLBackend {
    let settings: PostgresSettings
    let client: PostgresClient
    private let runner: Task<Void, Never>
    private let running: AsyncStream<Void>
    private let threads: NIOThreadPool
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    /// The advisory lock key serializing writes ("LETHE" in ASCII); migrations use the next one.
    static let writeLock: Int64 = 0x4C_45_54_48_45
    static let migrationLock: Int64 = 0x4C_45_54_48_46

    /// Connects (failing fast with the server's reason when it cannot), then runs pending migrations.
    static func open(_ settings: PostgresSettings, logger: Logger) async throws -> PostgresBackend {
        // PostgresClient retries a bad address or password for about a minute before it reports;
        // one plain connection first turns those into an immediate, specific error.
        let tls = try tlsMode(settings)
        let probe = try await connectOnce(settings, tls: tls.connection, logger: logger)
        try await probe.close()
        let backend = PostgresBackend(settings: settings, tls: tls.client, logger: logger)
        await backend.started()
        do {
            try await PostgresSchema.migrate(backend)
        } catch {
            await backend.close()
            throw error
        }
        return backend
    }

    private init(settings: PostgresSettings, tls: PostgresClient.Configuration.TLS, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var configuration = Self.clientConfiguration(settings, tls: tls)
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(Int64(settings.connectTimeout))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        // A lease taken before `run()` has begun still works but logs a warning, which would put a
        // second line on a command's standard error; `started()` waits for the task to get there.
        let (running, signal) = AsyncStream<Void>.makeStream()
        self.running = running
        runner = Task {
            signal.finish()
            await client.run()
        }
        threads = NIOThreadPool(numberOfThreads: settings.poolSize)
        threads.start()
    }

    /// Returns once the pool's task is entering `run()`, which it does without suspending.
    private func started() async {
        for await _ in running {}
    }

    func close() async {
        runner.cancel()
        _ = await runner.value
        try? await threads.shutdownGracefully()
    }

    // MARK: Transactions

    /// PostgreSQL keeps deleted tuples until VACUUM reclaims them and keeps WAL segments as its
    /// retention settings say; neither can be forced safely from a transaction here. What an operator
    /// must configure for crypto-shredding on PostgreSQL is in docs/operations.md and docs/encryption.md.
    func scrubDeletedContent() async throws {}

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withRetries {
            try await self.onThread { session in
                try session.simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return try session.inTransaction { try body(session) }
            }
        }
    }

    func write<T: Sendable>(
        _ mode: SQLWriteMode,
        _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        try await withRetries {
            try await self.onThread { session in
                try session.simple("BEGIN")
                return try session.inTransaction {
                    if mode == .serialized {
                        try session.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.writeLock])
                    }
                    return try body(session)
                }
            }
        }
    }

    /// Runs `body` on a pooled thread with a leased connection.
    func onThread<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let logger = self.logger
        let threads = self.threads
        return try await client.withConnection { connection in
            try await threads.runIfActive { try body(PostgresSession(connection, logger: logger)) }
        }
    }

    /// A serialization failure or a deadlock means another transaction won: run the whole transaction
    /// again (its closure only reads and writes the database, so a second run is the same work).
    private func withRetries<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as PostgresStoreError where error.isRetryable && attempt < 8 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...20) * attempt))
            }
        }
    }

    // MARK: Connections

    static func connectOnce(
        _ settings: PostgresSettings,
        tls: PostgresConnection.Configuration.TLS,
        logger: Logger
    ) async throws -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        if let directory = settings.socketDirectory {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: socketPath(directory, settings.port),
                username: settings.username,
                password: settings.password,
                database: settings.database
            )
        } else {
            configuration = PostgresConnection.Configuration(
                host: settings.host,
                port: settings.port,
                username: settings.username,
                password: settings.password,
                database: settings.database,
                tls: tls
            )
        }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw PostgresStoreError(error, context: "cannot connect to \(settings.redacted)")
        }
    }

    private static func clientConfiguration(
        _ settings: PostgresSettings,
        tls: PostgresClient.Configuration.TLS
    ) -> PostgresClient.Configuration {
        if let directory = settings.socketDirectory {
            return PostgresClient.Configuration(
                unixSocketPath: socketPath(directory, settings.port),
                username: settings.username,
                password: settings.password,
                database: settings.database
            )
        }
        return PostgresClient.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: tls
        )
    }

    private static func socketPath(_ directory: String, _ port: Int) -> String {
        (directory as NSString).appendingPathComponent(".s.PGSQL.\(port)")
    }

    /// libpq's meanings: `require` encrypts without checking the certificate, `verify-ca` checks the
    /// chain, `verify-full` the chain and the host name.
    private static func tlsMode(
        _ settings: PostgresSettings
    ) throws -> (connection: PostgresConnection.Configuration.TLS, client: PostgresClient.Configuration.TLS) {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch settings.tls {
        case .disable: return (.disable, .disable)
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let roots = settings.rootCertificates {
            guard FileManager.default.isReadableFile(atPath: roots) else {
                throw StoreError.invalidValue(field: "sslrootcert", reason: "\(roots) is not a readable file")
            }
            tls.trustRoots = .file(roots)
        }
        let context = try NIOSSLContext(configuration: tls)
        if settings.tls == .prefer { return (.prefer(context), .prefer(tls)) }
        return (.require(context), .require(tls))
    }
}

/// A PostgreSQL failure without the values of the statement: the SQLSTATE and the server's message
/// (which names constraints and columns, while the values are in the detail, which is not kept).
struct PostgresStoreError: Error, CustomStringConvertible {
    let sqlState: String?
    let message: String

    init(_ error: any Error, context: String? = nil) {
        if let error = error as? PostgresStoreError {
            self = error
            return
        }
        let prefix = context.map { "\($0): " } ?? ""
        if let error = error as? PSQLError {
            sqlState = error.serverInfo?[.sqlState]
            let server = error.serverInfo?[.message]
            message = prefix + (server ?? "\(error.code)")
        } else {
            sqlState = nil
            message = prefix + String(describing: error)
        }
    }

    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
    var description: String { message + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }
}

/// One connection inside one transaction, used from a pooled thread.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    private(set) var changesCount = 0
    var dialect: SQLDialect { .postgres }

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs `body`, then commits; rolls back when it throws.
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        let value: T
        do {
            value = try body()
        } catch {
            try? simple("ROLLBACK")
            throw error
        }
        try simple("COMMIT")
        return value
    }

    /// Statements without parameters, separated by `;` (PostgresNIO sends one statement per message).
    func simple(_ sql: String) throws {
        for statement in Self.statements(sql) {
            do {
                let future: EventLoopFuture<PostgresQueryResult> = connection.query(
                    PostgresQuery(unsafeSQL: statement),
                    logger: logger
                )
                _ = try future.wait()
            } catch {
                throw Self.mapped(error)
            }
        }
    }

    /// Splits a script at `;` outside quotes and `$$` bodies.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var dollar = false
        var previous: Character?
        for character in script {
            current.append(character)
            if dollar {
                if character == "$", previous == "$" { dollar = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "$", previous == "$" {
                dollar = true
            } else if character == ";" {
                current.removeLast()
                statements.append(current)
                current = ""
            }
            // A `$$` that closes or opens a body must not count its second `$` as the start of another.
            previous = (character == "$" && previous == "$") ? nil : character
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    func lastInsertedRowID() throws -> Int64 {
        guard let id = try Int64.fetchOne(self, sql: "SELECT lastval()") else {
            throw StoreError.invalidValue(field: "insert", reason: "no row id was produced")
        }
        return id
    }

    func execute(sql: String, arguments: SQLArguments) throws {
        let result = try run(sql, arguments)
        changesCount = result.metadata.rows ?? 0
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        return try result.rows.map(Self.row)
    }

    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument?.sqlValue ?? .null {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let value): try binds.append(value)
            case .bool(let value): binds.append(value)
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds)
        do {
            let future: EventLoopFuture<PostgresQueryResult> = connection.query(query, logger: logger)
            return try future.wait()
        } catch {
            throw Self.mapped(error)
        }
    }

    static func mapped(_ error: any Error) -> any Error {
        let wrapped = PostgresStoreError(error)
        switch wrapped.sqlState {
        case "23505": return SQLConstraintViolation(kind: .unique, message: wrapped.message)
        case let state? where state.hasPrefix("23"):
            return SQLConstraintViolation(kind: .other, message: wrapped.message)
        default: return wrapped
        }
    }

    /// Rewrites `?` placeholders as `$1`, `$2`, … outside string literals and quoted names.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.count + 16)
        var n = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    private static func row(_ row: PostgresRow) throws -> SQLRow {
        var names: [String] = []
        var values: [SQLValue] = []
        names.reserveCapacity(row.count)
        values.reserveCapacity(row.count)
        for cell in row {
            names.append(cell.columnName)
            values.append(try value(cell))
        }
        return SQLRow(names: names, values: values)
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .bool(try cell.decode(Bool.self))
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int8: return .integer(try cell.decode(Int64.self))
        case .float4: return .real(Double(try cell.decode(Float.self)))
        case .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            let decimal = try cell.decode(Decimal.self)
            let number = NSDecimalNumber(decimal: decimal)
            return decimal == Decimal(number.int64Value) ? .integer(number.int64Value) : .real(number.doubleValue)
        case .bytea: return .blob(try cell.decode(Data.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}

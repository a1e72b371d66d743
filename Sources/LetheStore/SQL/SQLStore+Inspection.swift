import Foundation
import LetheCore

/// A stored value as a diagnostic reader sees it, independent of the backend's own types.
///
/// `package` rather than `public`: only this package's tests and tools read raw rows; an operator's
/// tooling goes through the engine, which never hands out stored bytes.
package enum StoredValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let n): self = .integer(n)
        case .real(let x): self = .real(x)
        case .text(let s): self = .text(s)
        case .blob(let d): self = .blob(d)
        case .bool(let b): self = .integer(b ? 1 : 0)
        }
    }

    package var text: String? { if case .text(let s) = self { s } else { nil } }
    package var blob: Data? { if case .blob(let d) = self { d } else { nil } }
    package var integer: Int64? {
        switch self {
        case .integer(let n): n
        case .real(let x): Int64(exactly: x)
        default: nil
        }
    }

    package var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let n): "\(n)"
        case .real(let x): "\(x)"
        case .text(let s): "'\(s)'"
        case .blob(let d): "x'\(d.map { String(format: "%02x", $0) }.joined())'"
        }
    }
}

extension SQLStore {
    /// Rows of a read-only query, column name to value; `?` placeholders on both engines.
    package func storedRows(_ sql: String, _ arguments: [String] = []) async throws -> [[String: StoredValue]] {
        try await database.read { db in
            try db.fetchAll(sql: sql, arguments: arguments).map { row in
                Dictionary(uniqueKeysWithValues: zip(row.names, row.values.map(StoredValue.init)))
            }
        }
    }

    /// Runs one statement as an attacker with write access to the database would: for the tamper tests,
    /// on both engines. Nothing in Lethe calls it.
    package func tamper(_ sql: String, _ arguments: [StoredValue]) async throws {
        let values: [(any SQLBindable)?] = arguments.map { value in
            switch value {
            case .null: nil
            case .integer(let n): n
            case .real(let x): x
            case .text(let s): s
            case .blob(let d): d
            }
        }
        try await database.write { db in try db.execute(sql: sql, arguments: SQLArguments(values)) }
    }

    /// The names of the store's tables.
    package func tableNames() async throws -> [String] {
        let sql =
            sqlitePath == nil
            ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return try await storedRows(sql).compactMap { $0["name"]?.text }
    }

    /// On PostgreSQL, forces a checkpoint (so every page is on disk) and returns the database's oid, which
    /// names its folder under the server's `base/`; nil on SQLite.
    package func checkpointedPostgresDatabaseOID() async throws -> Int64? {
        guard let backend = database as? PostgresBackend else { return nil }
        return try await backend.onThread { session in
            try session.simple("CHECKPOINT")
            return try Int64.fetchOne(
                session,
                sql: "SELECT oid::bigint FROM pg_database WHERE datname = current_database()"
            )
        }
    }
}

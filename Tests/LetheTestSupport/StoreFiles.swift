import Foundation
import Testing

@testable import LetheStore

extension SQLStore {
    /// The SQLite file, for tests that read the bytes on disk; fails the test on PostgreSQL.
    public var sqliteFile: String {
        get throws { try #require(sqlitePath, "this store is not on SQLite") }
    }

    /// Every file that holds this store's data on disk, read after the database has written it all out:
    /// the SQLite file and its WAL, or the PostgreSQL database's own folder and the server's WAL. Tests
    /// scan these for plaintext that must never be stored.
    public func storedFiles() async throws -> [(name: String, bytes: Data)] {
        if let path = sqlitePath {
            return [path, path + "-wal"].compactMap { file in
                (try? Data(contentsOf: URL(fileURLWithPath: file))).map { (file, $0) }
            }
        }
        let backend = try #require(database as? PostgresBackend)
        let dataFolder = try #require(
            try ThrowawayPostgres.dataFolder,
            "the disk scan needs the throwaway server; LETHE_TEST_DATABASE_URL names another"
        )
        let oid = try await backend.onThread { session in
            try session.simple("CHECKPOINT")
            return try Int64.fetchOne(
                session,
                sql: "SELECT oid::bigint FROM pg_database WHERE datname = current_database()"
            )
        }
        var files: [(String, Data)] = []
        for folder in ["\(dataFolder)/base/\(try #require(oid))", "\(dataFolder)/pg_wal"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                let path = "\(folder)/\(name)"
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                    continue
                }
                files.append((path, try Data(contentsOf: URL(fileURLWithPath: path))))
            }
        }
        #expect(!files.isEmpty)
        return files
    }

    /// Rows of a read-only query, for tests that look at what is stored; `?` placeholders on both engines.
    public func storedRows(_ sql: String, _ arguments: [String] = []) async throws -> [[String: StoredValue]] {
        try await database.read { db in
            try db.fetchAll(sql: sql, arguments: arguments).map { row in
                Dictionary(uniqueKeysWithValues: zip(row.names, row.values.map(StoredValue.init)))
            }
        }
    }

    /// The names of the store's tables.
    public func tableNames() async throws -> [String] {
        let sql =
            sqlitePath == nil
            ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return try await storedRows(sql).compactMap { $0["name"]?.text }
    }
}

/// A stored value as a test sees it.
public enum StoredValue: Sendable, Equatable, CustomStringConvertible {
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

    public var text: String? { if case .text(let s) = self { s } else { nil } }
    public var blob: Data? { if case .blob(let d) = self { d } else { nil } }
    public var integer: Int64? {
        switch self {
        case .integer(let n): n
        case .real(let x): Int64(exactly: x)
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let n): "\(n)"
        case .real(let x): "\(x)"
        case .text(let s): "'\(s)'"
        case .blob(let d): "x'\(d.map { String(format: "%02x", $0) }.joined())'"
        }
    }
}

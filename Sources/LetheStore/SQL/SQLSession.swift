import Foundation
import LetheCore

/// One value bound to, or read from, a statement: the types both backends store.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case bool(Bool)
}

/// A Swift value that can be bound to a statement.
protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// A value readable from a column; nil when the stored value does not convert.
protocol SQLColumnDecodable {
    init?(sqlValue: SQLValue)
}

/// The arguments of one statement, bound to its `?` placeholders in order.
typealias SQLArguments = [(any SQLBindable)?]

extension SQLValue: SQLBindable {
    var sqlValue: SQLValue { self }
}

extension String: SQLBindable, SQLColumnDecodable {
    var sqlValue: SQLValue { .text(self) }
    init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue else { return nil }
        self = text
    }
}

extension Int64: SQLBindable, SQLColumnDecodable {
    var sqlValue: SQLValue { .integer(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value
        case .bool(let value): self = value ? 1 : 0
        // Sums and averages come back as reals on one backend and integers on the other.
        case .real(let value) where value.rounded() == value && abs(value) < 9e18: self = Int64(value)
        default: return nil
        }
    }
}

extension Int: SQLBindable, SQLColumnDecodable {
    var sqlValue: SQLValue { .integer(Int64(self)) }
    init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLBindable, SQLColumnDecodable {
    var sqlValue: SQLValue { .real(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Bool: SQLBindable, SQLColumnDecodable {
    var sqlValue: SQLValue { .bool(self) }
    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .bool(let value): self = value
        case .integer(let value): self = value != 0
        default: return nil
        }
    }
}

extension Data: SQLBindable, SQLColumnDecodable {
    var sqlValue: SQLValue { .blob(self) }
    init?(sqlValue: SQLValue) {
        guard case .blob(let data) = sqlValue else { return nil }
        self = data
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One result row. Reading a column that is absent, NULL or of another type as a non-optional is a
/// programming error (the schema and the query disagree) and traps, as GRDB's rows do; read it as an
/// optional where NULL is expected.
struct SQLRow: Sendable {
    let names: [String]
    let values: [SQLValue]

    func value(_ name: String) -> SQLValue? {
        names.firstIndex(of: name).map { values[$0] }
    }

    subscript<T: SQLColumnDecodable>(_ name: String) -> T? {
        guard let value = value(name), value != .null else { return nil }
        guard let converted = T(sqlValue: value) else {
            preconditionFailure("column \(name) does not hold a \(T.self)")
        }
        return converted
    }

    subscript<T: SQLColumnDecodable>(_ name: String) -> T {
        guard let value = value(name), let converted = T(sqlValue: value) else {
            preconditionFailure("column \(name) is missing, NULL or not a \(T.self)")
        }
        return converted
    }

    /// The first column, for single-value queries.
    var first: SQLValue { values.first ?? .null }
}

/// Which SQL the session speaks, for the few statements that differ.
enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// A constraint the database refused to break; `message` names the constraint or index.
struct SQLConstraintViolation: Error, CustomStringConvertible {
    enum Kind: Sendable { case unique, other }
    let kind: Kind
    let message: String
    var description: String { message }
}

/// A connection inside one transaction (or one consistent read), used synchronously by the store's
/// statements. Placeholders are `?` on every backend.
protocol SQLSession: AnyObject {
    var dialect: SQLDialect { get }
    /// Rows changed by the last `execute`.
    var changesCount: Int { get }
    /// The id the last insert into a table with an auto-incremented key produced.
    func lastInsertedRowID() throws -> Int64
    func execute(sql: String, arguments: SQLArguments) throws
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
}

extension SQLSession {
    func execute(sql: String) throws { try execute(sql: sql, arguments: []) }

    /// `FOR UPDATE SKIP LOCKED` where rows can be locked; SQLite's single writer needs none.
    var skipLocked: String { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
}

extension SQLRow {
    static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try db.fetchAll(sql: sql, arguments: arguments)
    }

    static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try db.fetchAll(sql: sql, arguments: arguments).first
    }
}

extension SQLColumnDecodable {
    /// The first column of the first row, or nil when there is no row or it is NULL.
    static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> Self? {
        guard let row = try db.fetchAll(sql: sql, arguments: arguments).first, row.first != .null else { return nil }
        guard let value = Self(sqlValue: row.first) else {
            throw StoreError.invalidValue(field: "query", reason: "its first column is not a \(Self.self)")
        }
        return value
    }

    /// The first column of every row that is not NULL.
    static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try db.fetchAll(sql: sql, arguments: arguments).compactMap { Self(sqlValue: $0.first) }
    }
}

/// How a write transaction meets other writers.
enum SQLWriteMode: Sendable {
    /// Serialized with every other serialized write across all processes, as SQLite's single writer is:
    /// what most writes need, because they read before they write and append to the one audit chain.
    case serialized
    /// Row-level only, for statements that are safe side by side (job leases with SKIP LOCKED,
    /// delivery marks, sessions); they must not append to the audit chain.
    case concurrent
}

/// A database the store runs its transactions on.
protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` against one consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    func write<T: Sendable>(
        _ mode: SQLWriteMode,
        _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T
    /// Removes from the database's files every copy of content that committed transactions deleted, as
    /// far as the engine can: called after an erasure so that an acknowledged erasure leaves no copy of
    /// the customer's wrapped key on disk.
    func scrubDeletedContent() async throws
    /// Releases connections; the store must not be used afterwards.
    func close() async
}

extension SQLBackend {
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await write(.serialized, body)
    }
}

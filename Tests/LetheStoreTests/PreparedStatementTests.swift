import Foundation
import GRDB
import Testing

@testable import LetheStore

/// The SQLite connections keep the store's statements prepared, within a bound.
@Suite("SQLite prepared statements")
struct PreparedStatementTests {
    @Test("a statement run again on the same connection is the one prepared the first time")
    func reusedOnTheSameConnection() throws {
        let queue = try DatabaseQueue()
        let statements = PreparedStatements(limit: 4)
        try queue.inDatabase { db in
            try db.execute(sql: "CREATE TABLE t(n INTEGER)")
            let first = try #require(try statements.statement("INSERT INTO t(n) VALUES (?)", in: db))
            try first.execute(arguments: [1])
            let second = try #require(try statements.statement("INSERT INTO t(n) VALUES (?)", in: db))
            #expect(first === second)
            try second.execute(arguments: [2])
            let sum = try Int.fetchOne(db, sql: "SELECT SUM(n) FROM t")
            #expect(sum == 3)
        }
    }

    @Test("past the limit, a new text is run unprepared, and the ones admitted before stay prepared")
    func boundedByTheLimit() throws {
        let queue = try DatabaseQueue()
        let statements = PreparedStatements(limit: 2)
        try queue.inDatabase { db in
            let prepared = try ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 1"].map {
                try statements.statement($0, in: db) != nil
            }
            #expect(prepared == [true, true, false, true])
            #expect(statements.count == 2)
        }
    }

    @Test(
        "text with more than one statement is never prepared once; a trailing semicolon is still one",
        arguments: [
            ("SELECT 1; SELECT 2", true), ("SELECT 1;", false), ("SELECT 1;\n  ", false), ("SELECT 1", false),
        ]
    )
    func compoundText(sql: String, compound: Bool) {
        #expect(PreparedStatements.isCompound(sql) == compound)
    }
}

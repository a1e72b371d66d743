import Foundation
import GRDB
import LetheTestSupport
import Synchronization
import Testing

@testable import LetheStore

/// SQLite's group commit: writes that arrive together share one transaction, each is answered only once
/// that transaction is on disk, and one write's failure is its own.
@Suite("SQLite group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable {
        let number: Int
    }

    /// A store folder with a scratch table, removed when the test ends.
    final class Scratch {
        let folder: String
        var backend: SQLiteBackend

        init() async throws {
            folder =
                FileManager.default.temporaryDirectory
                .appendingPathComponent("lethe-group-\(UUID().uuidString)").path
            backend = try SQLiteBackend(folder: folder)
            try await backend.write { try $0.execute(sql: "CREATE TABLE probe(n INTEGER PRIMARY KEY)") }
        }

        /// The numbers on disk, read through a fresh open of the file.
        func numbersOnDisk() async throws -> [Int] {
            await backend.close()
            backend = try SQLiteBackend(folder: folder)
            return try await backend.read { try Int.fetchAll($0, sql: "SELECT n FROM probe ORDER BY n") }
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Set once, from any thread.
    final class Flag: Sendable {
        private let raised = Mutex(false)
        func raise() { raised.withLock { $0 = true } }
        var isRaised: Bool { raised.withLock { $0 } }
    }

    static func outcome(_ body: () async throws -> Int) async -> Result<Int, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// Runs `count` writes at once. The first one holds the writer until all the others are queued, so
    /// that they can only be taken together: what the test sees does not depend on scheduling.
    static func together(
        _ scratch: Scratch,
        count: Int,
        body: @escaping @Sendable (Int, any SQLSession) throws -> Void
    ) async -> [Int: Result<Int, any Error>] {
        let commits = scratch.backend.commits
        let backend = scratch.backend
        let holding = Flag()
        return await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            group.addTask {
                let result = await Self.outcome {
                    try await backend.write { session -> Int in
                        // Runs on the database's writer thread, not on the cooperative pool.
                        // Only the first time: a transaction that is lost runs the holder again.
                        if !holding.isRaised {
                            holding.raise()
                            let deadline = Date().addingTimeInterval(30)
                            while commits.waiting < count - 1 && Date() < deadline { usleep(1_000) }
                        }
                        try body(0, session)
                        return 0
                    }
                }
                return (0, result)
            }
            // The holder is in the writer before the others queue, so it leads the first transaction.
            while !holding.isRaised { try? await Task.sleep(for: .milliseconds(1)) }
            for number in 1..<count {
                group.addTask {
                    let result = await Self.outcome {
                        try await backend.write { session -> Int in
                            try body(number, session)
                            return number
                        }
                    }
                    return (number, result)
                }
            }
            var results: [Int: Result<Int, any Error>] = [:]
            for await (number, result) in group { results[number] = result }
            return results
        }
    }

    @Test("writes that arrive together share one transaction and each is on disk when it is answered")
    func writesShareOneCommit() async throws {
        let scratch = try await Scratch()
        let before = scratch.backend.commits.statistics
        let results = await Self.together(scratch, count: 32) { number, session in
            try session.execute(sql: "INSERT INTO probe(n) VALUES (?)", arguments: [number])
        }
        #expect(results.values.allSatisfy { (try? $0.get()) != nil })
        let after = scratch.backend.commits.statistics
        // The holder's transaction takes in the 31 that queued behind it: two transactions at most,
        // where one transaction per write would have been 32.
        #expect(after.writes - before.writes == 32)
        #expect(after.transactions - before.transactions <= 2)
        #expect(try await scratch.numbersOnDisk() == Array(0..<32))
    }

    @Test("a write that fails is rolled back alone, and its neighbours in the same transaction commit")
    func failureIsItsOwn() async throws {
        let scratch = try await Scratch()
        let results = await Self.together(scratch, count: 30) { number, session in
            try session.execute(sql: "INSERT INTO probe(n) VALUES (?)", arguments: [number])
            // Every third write fails after it has written: its insert must not survive.
            if number % 3 == 1 { throw Refused(number: number) }
            // And one breaks a constraint outright.
            if number == 5 { try session.execute(sql: "INSERT INTO probe(n) VALUES (0)") }
        }
        for (number, result) in results {
            if number % 3 == 1 {
                #expect(throws: Refused(number: number)) { try result.get() }
            } else if number == 5 {
                #expect(throws: SQLConstraintViolation.self) { try result.get() }
            } else {
                #expect(try result.get() == number)
            }
        }
        let expected = (0..<30).filter { $0 % 3 != 1 && $0 != 5 }
        #expect(try await scratch.numbersOnDisk() == expected)
    }

    @Test("a write that ends the whole transaction fails alone: the writes it took down are run again")
    func lostTransactionIsRetried() async throws {
        let scratch = try await Scratch()
        let results = await Self.together(scratch, count: 12) { number, session in
            try session.execute(sql: "INSERT INTO probe(n) VALUES (?)", arguments: [number])
            // As SQLite does itself on some I/O and memory errors: the transaction is rolled back under
            // the writes that ran before this one in it.
            if number == 6 { try session.execute(sql: "ROLLBACK") }
        }
        #expect(throws: (any Error).self) { try results[6]?.get() }
        for number in (0..<12) where number != 6 {
            #expect(try results[number]?.get() == number)
        }
        #expect(try await scratch.numbersOnDisk() == (0..<12).filter { $0 != 6 })
    }
}

import Foundation
import GRDB
import Synchronization

/// Group commit for SQLite's single writer: writes that arrive together share one transaction and one
/// fsync, and each caller is answered only after the commit that holds its write.
///
/// SQLite commits one transaction at a time and, with `synchronous=FULL`, each commit waits for the disk.
/// When sixteen intakes arrive at once, sixteen commits in a row spend most of their time waiting for
/// sixteen flushes. Here the first write to find the queue idle starts a drain; the drain opens one
/// transaction and runs every queued write in it, each inside its own savepoint, taking in writes that
/// arrive meanwhile up to ``limit``; then it commits once and answers everyone in it.
///
/// What each caller sees is exactly what a transaction of its own would give:
/// - **Durable before acknowledged.** A caller's value is returned only after the commit that holds its
///   write; if that commit fails, every write in it gets the error and none is acknowledged.
/// - **Isolated failures.** A write that throws is rolled back to its savepoint and gets its own error;
///   its neighbours commit. If a write ends the whole transaction (SQLite rolls back on some I/O and
///   memory errors), the neighbours that had succeeded are run again in the next transaction, so they
///   are neither lost nor failed for it.
/// - **Serial order.** Writes run one after another in arrival order, each seeing those before it, as
///   SQLite's single writer always ran them.
final class GroupCommit: Sendable {
    /// A queued write. `attempt` runs the caller's body inside the group transaction and returns what
    /// answers the caller once the transaction has committed; `fail` answers it with an error.
    struct Pending: Sendable {
        let attempt: @Sendable (Database) throws -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
        var transactions = 0
        var writes = 0
    }

    /// The most writes one transaction takes: bounds how long the first of them waits for its answer.
    let limit: Int
    private let pool: DatabasePool
    private let state = Mutex(State())

    init(pool: DatabasePool, limit: Int = 64) {
        self.pool = pool
        self.limit = limit
    }

    /// Runs `body` in the next group transaction and returns its value once that transaction commits.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(
                Pending(
                    attempt: { db in
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        guard let value else { throw GroupCommitError.noValue }
                        return { continuation.resume(returning: value) }
                    },
                    fail: { continuation.resume(throwing: $0) }
                )
            )
        }
    }

    /// How many transactions have committed and how many writes they held, since open: the ratio is
    /// how much group commit is saving.
    var statistics: (transactions: Int, writes: Int) {
        state.withLock { ($0.transactions, $0.writes) }
    }

    /// Writes queued and not yet taken into a transaction.
    var waiting: Int { state.withLock { $0.queue.count } }

    private func enqueue(_ pending: Pending) {
        let starts = state.withLock { state -> Bool in
            state.queue.append(pending)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        // The drain is a task of its own so that no caller's answer waits for other callers' writes
        // beyond the one transaction they share; it ends as soon as it finds the queue empty.
        if starts { Task { await self.drain() } }
    }

    /// Takes up to `count` queued writes, or marks the queue idle when there are none.
    private func take(_ count: Int, idleWhenEmpty: Bool) -> [Pending] {
        state.withLock { state in
            if state.queue.isEmpty {
                if idleWhenEmpty { state.draining = false }
                return []
            }
            let taken = Array(state.queue.prefix(count))
            state.queue.removeFirst(taken.count)
            return taken
        }
    }

    private func drain() async {
        while true {
            let first = take(limit, idleWhenEmpty: true)
            if first.isEmpty { return }
            await commit(first)
        }
    }

    /// What one transaction did, by position in the order the writes were taken: the answers of those
    /// that succeeded and the errors of those that failed.
    private struct Outcome: Sendable {
        var answers: [@Sendable () -> Void] = []
        var failed: [Int: any Error] = [:]
    }

    /// Thrown out of the transaction when a write ended it.
    private struct TransactionLost: Error {
        let failed: [Int: any Error]
    }

    /// Every write taken into one transaction, in order, so that whatever happens to the transaction
    /// each of them is answered or queued again.
    private final class Taken: Sendable {
        let writes: Mutex<[Pending]>
        init(_ first: [Pending]) { writes = Mutex(first) }
        var all: [Pending] { writes.withLock { $0 } }
    }

    private func commit(_ first: [Pending]) async {
        let taken = Taken(first)
        do {
            let outcome = try await pool.write { db -> Outcome in
                var outcome = Outcome()
                var batch = first
                var position = 0
                while !batch.isEmpty {
                    for pending in batch {
                        do {
                            outcome.answers.append(try pending.attempt(db))
                        } catch {
                            outcome.failed[position] = error
                            if !db.isInsideTransaction { throw TransactionLost(failed: outcome.failed) }
                        }
                        position += 1
                    }
                    // Writes that arrived while these ran share this commit, up to the limit.
                    batch = position < self.limit ? self.take(self.limit - position, idleWhenEmpty: false) : []
                    taken.writes.withLock { $0.append(contentsOf: batch) }
                }
                return outcome
            }
            state.withLock {
                $0.transactions += 1
                $0.writes += outcome.answers.count
            }
            for answer in outcome.answers { answer() }
            let all = taken.all
            for (position, error) in outcome.failed { all[position].fail(error) }
        } catch let lost as TransactionLost {
            // The writes that failed get their errors. The others lost their work with the transaction
            // (or never ran) through no fault of their own, so they go back to the front of the queue.
            let all = taken.all
            for (position, error) in lost.failed { all[position].fail(error) }
            let again = all.indices.filter { lost.failed[$0] == nil }.map { all[$0] }
            state.withLock { $0.queue.insert(contentsOf: again, at: 0) }
        } catch {
            // The commit itself failed: nothing in this transaction is on disk, so no write in it is
            // acknowledged.
            for pending in taken.all { pending.fail(error) }
        }
    }
}

/// A write's body returned without a value: cannot happen, since the body either returns or throws.
enum GroupCommitError: Error {
    case noValue
}

import Synchronization

/// Runs an operation on behalf of everyone who asks while it is already running, once more for all of
/// them together, instead of once each.
///
/// The operation's promise is "it ran after you asked": SQLite's TRUNCATE checkpoint, which removes from
/// the files every copy of what committed erasures deleted. When several erasures finish together, each
/// used to checkpoint in turn, copying and syncing the whole WAL again each time. Now the first caller
/// runs it; callers that arrive while it runs wait for the next run, which starts after all of them
/// asked and so serves them all; the first caller runs that too before it returns.
final class CoalescedRun: Sendable {
    private enum Role { case lead, served }

    private struct State {
        var running = false
        var waiting: [CheckedContinuation<Role, any Error>] = []
        var runs = 0
    }

    private let operation: @Sendable () async throws -> Void
    private let state = Mutex(State())

    init(_ operation: @escaping @Sendable () async throws -> Void) {
        self.operation = operation
    }

    /// How many times the operation has run.
    var runs: Int { state.withLock { $0.runs } }

    /// Callers waiting for the next run.
    var waiting: Int { state.withLock { $0.waiting.count } }

    /// Returns once a run that started after this call has finished, or throws that run's error.
    func run() async throws {
        let role = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Role, any Error>) in
            let leads = state.withLock { state -> Bool in
                if state.running {
                    state.waiting.append(continuation)
                    return false
                }
                state.running = true
                return true
            }
            if leads { continuation.resume(returning: .lead) }
        }
        guard role == .lead else { return }
        let own = await attempt()
        while true {
            let batch = state.withLock { state -> [CheckedContinuation<Role, any Error>] in
                let batch = state.waiting
                state.waiting = []
                if batch.isEmpty { state.running = false }
                return batch
            }
            if batch.isEmpty { break }
            // Everyone in the batch asked before this run starts.
            let result = await attempt()
            for continuation in batch { continuation.resume(with: result.map { .served }) }
        }
        try own.get()
    }

    private func attempt() async -> Result<Void, any Error> {
        state.withLock { $0.runs += 1 }
        do {
            try await operation()
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}

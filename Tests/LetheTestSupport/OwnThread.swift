import Foundation

/// Runs blocking work (waiting for a child process, reading its pipes) on a thread of its own, for async
/// tests: the cooperative pool has only as many threads as cores (two here), and a wait held there keeps
/// every in-process server and every other suite from running meanwhile. The thread blocks all signals,
/// as the pool's threads do, so a child's SIGCHLD cannot interrupt its reads (Foundation's
/// `readDataToEndOfFile` traps on EINTR).
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            continuation.resume(with: Result { try work() })
        }
    }
}

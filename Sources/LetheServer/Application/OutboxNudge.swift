import LetheEngine
import Logging

/// Delivers queued notices soon after a request commits, without the request waiting for it and
/// without one delivery pass per request: nudges while a pass runs coalesce into one more pass.
///
/// The transaction that queued a message has committed before the nudge, so a crash here loses
/// nothing: the worker's next pass (or the next nudge) delivers it.
public actor OutboxNudge {
    private let dispatcher: OutboxDispatcher
    private let logger: Logger
    private var running = false
    private var again = false

    /// A nudger delivering through `dispatcher`; failures are logged by error type only.
    public init(dispatcher: OutboxDispatcher, logger: Logger = Logger(label: "lethe.outbox")) {
        self.dispatcher = dispatcher
        self.logger = logger
    }

    /// Asks for a delivery pass; returns at once.
    public nonisolated func nudge() {
        Task { await self.request() }
    }

    private func request() {
        guard !running else {
            again = true
            return
        }
        running = true
        Task { await self.drain() }
    }

    private func drain() async {
        repeat {
            again = false
            do {
                // A full page means more may be waiting: go round again.
                if try await dispatcher.dispatch(limit: 200).delivered == 200 { again = true }
            } catch {
                logger.error("outbox pass failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            }
        } while again
        running = false
    }
}

import Foundation
import LetheCore
import LetheCrypto

/// The transactional outbox.
public protocol OutboxRepository: Sendable {
    /// Claims up to `limit` due messages for `claimFor` seconds and returns them: workers claiming at
    /// once get different messages, and a claim that runs out (its worker died) frees the message again.
    func claimMessages(limit: Int, now: Date, claimFor: TimeInterval) async throws -> [PendingMessage]
    /// Claims one message by id, if it is pending and due: for a workflow that waits on that message; nil
    /// when it is not (delivered, failed, claimed by another worker, or unknown).
    func claimMessage(_ id: Int64, now: Date, claimFor: TimeInterval) async throws -> PendingMessage?
    /// Marks a message delivered at `at`; it is not claimed again. An unknown id changes nothing.
    func markDelivered(_ id: Int64, at: Date) async throws
    /// Records a failed delivery and its error (truncated); the message is tried again at `retryAt`, or
    /// marked failed for good once it has had `maxAttempts` attempts.
    func markFailed(_ id: Int64, error: String, retryAt: Date, maxAttempts: Int) async throws
    /// The notices that failed for good (last attempt spent, or bounced), newest first, at most `limit`.
    func failedMessages(limit: Int) async throws -> [FailedNotice]
}

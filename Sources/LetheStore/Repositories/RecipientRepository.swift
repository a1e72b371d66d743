import Foundation
import LetheCore
import LetheCrypto

/// The recipient registry and each request's fan-out to recipients.
public protocol RecipientRepository: Sendable {
    /// Adds a recipient; its signing secret is stored sealed.
    /// Registers a recipient and audits it in one transaction; false (and nothing written) when the id is taken.
    @discardableResult
    func addRecipient(_ recipient: Recipient, secret: String, at: Date, by actor: String) async throws -> Bool
    /// Every registered recipient, by name, without secrets.
    func recipients() async throws -> [Recipient]
    /// The recipient's signing secret, decrypted, or nil when there is no such recipient.
    func recipientSecret(_ id: String) async throws -> String?
    /// Records that `request` must be passed to these recipients (pending), once each.
    func addRequestRecipients(_ request: RequestID, recipients: [String], action: String, at: Date) async throws
    /// The recipients `request` must be passed to, with each one's action and status, by recipient name.
    func requestRecipients(_ request: RequestID) async throws -> [RequestRecipient]
    /// Settles one recipient of a request, audited in the same transaction; false when it was not pending
    /// or not part of the request.
    func settleRecipient(
        _ request: RequestID,
        recipient: String,
        status: RecipientStatus,
        note: String?,
        at: Date
    ) async throws -> Bool
}

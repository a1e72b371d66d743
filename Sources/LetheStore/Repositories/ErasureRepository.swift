import Foundation
import LetheCore
import LetheCrypto

/// Erasure of a customer with evidence, and the records that outlive it.
public protocol ErasureRepository: Sendable {
    /// In one transaction: files the plan's kept categories minimised under a pseudonym, records
    /// suppression tokens, deletes every row of the customer and their data key, and stores the receipt
    /// with an `account.erased` audit entry. Then evicts the key from the vault's cache and, on SQLite,
    /// empties the WAL before returning, so an acknowledged erasure leaves no copy of the wrapped key.
    /// Running it again for the same request returns the first receipt and changes nothing.
    ///
    /// - Returns: The deletion receipt: rows erased per table, and what was kept, under which basis, until when.
    func eraseCustomer(_ id: AccountID, request: RequestID, plan: ErasurePlan, at: Date) async throws -> DeletionReceipt
    /// The receipt of the erasure made for `request`, or nil when there was none.
    func deletionReceipt(_ request: RequestID) async throws -> DeletionReceipt?
    /// The suppression list, oldest first: every entry, or those of one erasure.
    func suppressionEntries(request: RequestID?) async throws -> [SuppressionEntry]
    /// Adds entries the list lacks (after a restore); returns how many were added.
    func restoreSuppressions(_ entries: [SuppressionEntry]) async throws -> Int
    /// Accounts whose email or phone token is on the suppression list, with the erasure that listed it:
    /// customers a restored backup brought back.
    func suppressedAccounts() async throws -> [(account: AccountID, request: RequestID)]
    /// Queues one message sealed under `keyOwner`'s key and returns its id, so a caller can wait for its
    /// delivery. With a `dedupeKey`, the id of a message already queued under that key is returned instead
    /// of a new one, so a retried job notifies once under one message id.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when `keyOwner` has no data key (erased or unknown).
    func enqueueMessage(_ message: OutboxMessage, keyOwner: String, at: Date, dedupeKey: String?) async throws -> Int64
    /// Whether the message has been delivered; false while pending, after it failed, or once its row is gone.
    func messageDelivered(_ id: Int64) async throws -> Bool
    /// The outbox rows that belong to a customer (addressed to them or sealed under their key).
    func messageIDs(account: AccountID) async throws -> [Int64]
    /// Which of `ids` still have an outbox row.
    func existingMessageIDs(_ ids: [Int64]) async throws -> Set<Int64>
    /// A cipher under the subject's own key, for files that must die with the customer; nil once erased.
    func fieldCipher(for subject: String) async throws -> FieldCipher?
}

import Foundation
import LetheCore
import LetheCrypto

/// The tamper-evident audit trail.
public protocol AuditRepository: Sendable {
    /// Appends `event` to the MAC chain and moves the anchored head, in one transaction. A reason about
    /// an account is free text that can name the customer, and the trail outlives the account, so it is
    /// sealed under the account's key and shredded with it.
    ///
    /// - Returns: The entry's sequence number.
    /// - Throws: `StoreError.invalidValue(field:reason:)` when a text holds a NUL character or an id holds a
    ///   control character.
    @discardableResult
    func appendAudit(_ event: AuditEvent) async throws -> Int64
    /// Entries as stored, in sequence order (a sealed reason stays sealed, so the MAC can be checked); see
    /// ``auditReason(_:)``. Only the entries about one subject when both `subjectType` and `subjectID` are
    /// given, else every entry.
    func auditEntries(subjectType: String?, subjectID: String?) async throws -> [AuditEntry]
    /// The entry's reason for display: opened when sealed, or a placeholder once the customer's key is
    /// erased; nil when the entry has no reason.
    func auditReason(_ entry: AuditEntry) async throws -> String?
    /// The sequence number of the first entry whose MAC or link does not verify, or of the first entry
    /// missing before the anchored head (the newest entries were deleted), or nil when the chain is whole.
    /// Verification starts after the purged prefix, from its authenticated checkpoint.
    ///
    /// - Throws: `CryptoError.unknownMasterKeyVersion(_:)` when an entry was MACed under a version the
    ///   keyring no longer holds.
    func firstBrokenAuditEntry() async throws -> Int64?
    /// The chain's anchored head (newest sequence number and MAC), for an outside witness; nil while the
    /// chain is empty.
    func auditHead() async throws -> AuditHead?
    /// Anchors a chain written before heads existed at its current end; does nothing otherwise.
    func anchorAuditHeadIfMissing() async throws
    /// Re-MACs the verified audit trail (entries, checkpoint and head) under the primary version, in one
    /// transaction, so an older version can be retired.
    ///
    /// - Returns: How many entries were re-MACed.
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the chain does not verify; nothing is rewritten.
    func reMACAuditTrail() async throws -> Int
}

import Foundation
import LetheCore
import LetheCrypto

/// Wrapped data keys, for rotation and status.
public protocol KeyRepository: Sendable {
    /// How many data keys each master version still wraps: customers' keys, keys of requests about
    /// unknown people, and Lethe's own keys (recipients, agents).
    func dataKeyCounts() async throws -> [UInt32: Int]
    /// Rewraps up to `limit` data keys not yet under the vault's primary master version; the keys
    /// themselves, and so every field ciphertext, stay the same. Each call is its own transaction, so a
    /// rotation can stop and resume at any point, and processes rotating at once share the work.
    ///
    /// - Returns: How many keys were rewrapped; 0 when none is left.
    /// - Throws: `CryptoError.unknownMasterKeyVersion(_:)` when a key is wrapped under a version the keyring
    ///   no longer holds.
    func rewrapDataKeys(limit: Int) async throws -> Int
    /// What each master version still secures (data keys, blind-index tokens, suppressions, audit MACs):
    /// `lethe keys retire` refuses a version that is still in use. Version 0 collects tokens written before
    /// tokens recorded their version.
    func keyVersionUsage() async throws -> [UInt32: KeyVersionUsage]
    /// Recomputes up to `limit` accounts' blind-index tokens under the primary version; resumable and safe
    /// to run from several processes, since each row is updated only if its token is still the one read.
    ///
    /// - Returns: How many accounts were moved; 0 when none is left.
    /// - Throws: `StoreError.keyMissing(_:)` when an account's key is gone.
    func reindexBlindIndexes(limit: Int) async throws -> Int
    /// Records that `node` holds `versions` with `primary`, at `at` (each long-running process does this
    /// every few seconds, so a rotation can see who is alive and what they hold).
    func announceKeyring(node: String, versions: [UInt32], primary: UInt32, at: Date) async throws
    /// The processes that announced themselves at `since` or later, by name.
    func keyHolders(since: Date) async throws -> [KeyHolder]
    /// Removes a process's announcement (it is stopping).
    func forgetKeyHolder(node: String) async throws
    /// The master version promoted to primary for every process, or nil before any promotion.
    func promotedPrimary() async throws -> UInt32?
    /// Makes `version` the primary for every process (each switches at its next refresh), with an audit
    /// entry by `actor`.
    func promotePrimary(_ version: UInt32, at: Date, by actor: String) async throws
}

import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// The master keyring's life: rotation (rewrap data keys, recompute blind indexes), and retirement of
/// a version once nothing needs it. The operator's `lethe keys` commands drive these in batches.
public struct KeyAdministration: Sendable {
    let store: any AuditRepository & KeyRepository
    let vault: KeyVault

    init(store: any AuditRepository & KeyRepository, vault: KeyVault) {
        self.store = store
        self.vault = vault
    }

    /// The keyring this process holds.
    public func keyring() async -> MasterKeyring { await vault.keyring }

    /// Makes `keyring` the one this process uses (after it was written to disk).
    public func use(_ keyring: MasterKeyring) async { await vault.replaceKeyring(keyring) }

    /// What each master version still secures (data keys, blind indexes, suppressions, audit MACs).
    /// - Throws: the store's errors.
    public func usage() async throws -> [UInt32: KeyVersionUsage] { try await store.keyVersionUsage() }

    /// Data keys still wrapped under a version other than the primary.
    /// - Throws: the store's errors.
    public func dataKeysAwaitingRewrap() async throws -> Int {
        let primary = await vault.keyring.primaryVersion
        return try await store.dataKeyCounts().filter { $0.key != primary }.values.reduce(0, +)
    }

    /// Rewraps up to `limit` data keys under the primary version; 0 when none is left.
    /// - Throws: the store's errors.
    public func rewrapDataKeys(limit: Int) async throws -> Int { try await store.rewrapDataKeys(limit: limit) }

    /// Recomputes up to `limit` accounts' email and phone tokens under the primary version; 0 when done.
    /// - Throws: the store's errors.
    public func reindexBlindIndexes(limit: Int) async throws -> Int {
        try await store.reindexBlindIndexes(limit: limit)
    }

    /// Verifies the audit trail, then re-MACs every entry under the primary version's audit key.
    /// - Throws: `StoreError` when the trail does not verify (nothing is changed then).
    public func reMACAuditTrail() async throws -> Int { try await store.reMACAuditTrail() }
}

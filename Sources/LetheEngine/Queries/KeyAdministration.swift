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

    // MARK: Rotation across processes

    /// How recently a process must have announced itself to count as running (seconds): several of
    /// ``KeyringWatch``'s refreshes.
    public static let liveWindow: TimeInterval = 30

    /// The processes that announced their keyring within ``liveWindow`` of `now`.
    /// - Throws: the store's errors.
    public func liveHolders(now: Date) async throws -> [KeyHolder] {
        try await store.keyHolders(since: now.addingTimeInterval(-Self.liveWindow))
    }

    /// Announces this process's keyring as `node`.
    /// - Throws: the store's errors.
    public func announce(node: String, at now: Date) async throws {
        let keyring = await vault.keyring
        try await store.announceKeyring(
            node: node,
            versions: keyring.versions,
            primary: keyring.primaryVersion,
            at: now
        )
    }

    /// Withdraws this process's announcement as it stops.
    /// - Throws: the store's errors.
    public func withdraw(node: String) async throws { try await store.forgetKeyHolder(node: node) }

    /// Switches this process to the primary chosen in the database, when it holds that version; returns
    /// the primary it now uses.
    /// - Throws: the store's errors.
    @discardableResult
    public func followPromotedPrimary() async throws -> UInt32 {
        if let promoted = try await store.promotedPrimary() { await vault.usePrimary(promoted) }
        return await vault.keyring.primaryVersion
    }

    /// The running processes that do not yet hold `version`.
    /// - Throws: the store's errors.
    public func holdersLacking(_ version: UInt32, now: Date) async throws -> [KeyHolder] {
        try await liveHolders(now: now).filter { !$0.versions.contains(version) }
    }

    /// The second phase of a rotation: makes `version` primary for every process, once every running
    /// process holds it. Each switches at its next refresh; until then it may still wrap a new key under
    /// the old primary, which every process can open and `lethe keys rotate --resume` rewraps.
    ///
    /// - Throws: ``KeyringNotReady`` when this process or a running one does not hold `version`; the
    ///   store's errors.
    public func promote(_ version: UInt32, by actor: String, now: Date) async throws {
        guard await vault.keyring.versions.contains(version) else {
            throw KeyringNotReady(version: version, lacking: ["this process"])
        }
        let lacking = try await holdersLacking(version, now: now)
        guard lacking.isEmpty else { throw KeyringNotReady(version: version, lacking: lacking.map(\.node)) }
        try await store.promotePrimary(version, at: now, by: actor)
        await vault.usePrimary(version)
    }
}

/// A new master version cannot become primary yet: some running processes cannot open what it wraps.
public struct KeyringNotReady: Error, CustomStringConvertible, Equatable {
    /// The version that was to become primary.
    public let version: UInt32
    /// The processes (`ROLE@HOST:PID`) that do not hold it.
    public let lacking: [String]

    /// The error for `version`, naming the processes that lack it.
    public init(version: UInt32, lacking: [String]) {
        self.version = version
        self.lacking = lacking
    }

    public var description: String {
        "v\(version) cannot become primary yet: \(lacking.joined(separator: ", ")) "
            + (lacking.count == 1 ? "does" : "do") + " not hold it; give every node the keyring with v\(version) "
            + "(a node re-reads its key file within seconds, or restart it with the new keys) and try again"
    }
}

import LetheCrypto

/// Customer data keys, unwrapped on demand and cached in memory; purpose keys derived once.
///
/// An actor because the cache is shared mutable state. Shredding a customer evicts them here as
/// well as deleting their wrapped key, so no cached copy outlives the erasure.
public actor KeyVault {
    /// The master keyring that wraps data keys and derives purpose keys; changed only by
    /// ``replaceKeyring(_:)``.
    public private(set) var keyring: MasterKeyring
    private var dataKeys: [String: (id: DataKeyID, key: SecretBytes)] = [:]
    private var purposeKeys: [String: SecretBytes] = [:]

    /// Creates a vault over `keyring`, with empty caches.
    public init(keyring: MasterKeyring) { self.keyring = keyring }

    /// A fresh data key for a new customer; it is cached only once its wrapped form is committed.
    func newDataKey(for customerID: String) throws -> (SecretBytes, WrappedDataKey) {
        try keyring.newDataKey(customerID: customerID)
    }

    func remember(_ key: SecretBytes, id: DataKeyID, for customerID: String) {
        dataKeys[customerID] = (id, key)
    }

    /// The customer's key, from the cache or by unwrapping `wrapped`. With `expecting`, a cached key is
    /// used only if it is that key (the one whose row exists now); otherwise it is dropped and unwrapped anew.
    func dataKey(
        for customerID: String,
        expecting: DataKeyID? = nil,
        wrapped: () async throws -> WrappedDataKey?
    ) async throws -> (DataKeyID, SecretBytes)? {
        if let cached = dataKeys[customerID] {
            if expecting == nil || cached.id == expecting { return (cached.id, cached.key) }
            dataKeys[customerID] = nil
        }
        guard let row = try await wrapped() else { return nil }
        let key = try keyring.unwrap(row)
        dataKeys[customerID] = (row.id, key)
        return (row.id, key)
    }

    func forget(_ customerID: String) { dataKeys[customerID] = nil }

    /// The blind-index keys of one field under every loaded master version, the primary first: lookups
    /// try each, so an index written before a rotation is still found until it is recomputed.
    func blindIndexKeys(_ location: FieldLocation) throws -> [(version: UInt32, key: SecretBytes)] {
        let others = keyring.versions.filter { $0 != keyring.primaryVersion }.sorted(by: >)
        return try ([keyring.primaryVersion] + others).map { version in
            let name = "bidx/\(location.record)/\(location.field)/\(version)"
            if let key = purposeKeys[name] { return (version, key) }
            let key = try keyring.purposeKey(
                .blindIndex(record: location.record, field: location.field),
                version: version
            )
            purposeKeys[name] = key
            return (version, key)
        }
    }

    /// The audit-signing key of a master version (default primary).
    func auditKey(version: UInt32? = nil) throws -> (UInt32, SecretBytes) {
        let v = version ?? keyring.primaryVersion
        let name = "audit/\(v)"
        if let key = purposeKeys[name] { return (v, key) }
        let key = try keyring.purposeKey(.auditSigning, version: v)
        purposeKeys[name] = key
        return (v, key)
    }

    /// The key that hashes one-time codes and bearer tokens before they are stored.
    public func tokenHashingKey() throws -> SecretBytes {
        let name = "token/\(keyring.primaryVersion)"
        if let key = purposeKeys[name] { return key }
        let key = try keyring.purposeKey(.tokenHashing)
        purposeKeys[name] = key
        return key
    }

    /// Installs a rotated or retired keyring. Cached data keys stay valid: rotation rewraps, it does not re-key.
    public func replaceKeyring(_ newKeyring: MasterKeyring) { keyring = newKeyring }

    /// Makes `version` primary if this keyring holds it; returns whether it now is.
    @discardableResult
    public func usePrimary(_ version: UInt32) -> Bool {
        guard version != keyring.primaryVersion else { return true }
        guard let promoted = try? keyring.promoting(version) else { return false }
        keyring = promoted
        return true
    }
}

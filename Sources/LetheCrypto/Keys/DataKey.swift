import COpenSSL

/// Identifies one customer data key: a random 32-bit id and its generation.
public struct DataKeyID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The random 32-bit id written into each field header, which routes a ciphertext to its key.
    public let keyID: UInt32
    /// The key's generation for this customer: 1 for the first key, higher after a re-key.
    public let version: UInt16

    /// Names a data key by its id and generation.
    public init(keyID: UInt32, version: UInt16) {
        self.keyID = keyID
        self.version = version
    }

    /// `id.vN`, e.g. `305419896.v1`, for logs and `lethe keys status`; not secret.
    public var description: String { "\(keyID).v\(version)" }
}

/// A customer's data-encryption key as stored: sealed under one master-key version, bound to the
/// customer and key id so it cannot be swapped onto another customer's row.
public struct WrappedDataKey: Hashable, Sendable, Codable {
    /// The account id the key belongs to; part of the associated data, so the row cannot be moved.
    public let customerID: String
    /// Which data key this is (id and generation).
    public let id: DataKeyID
    /// The master-key version that wraps it; once that version is retired, this copy can never be opened.
    public let masterVersion: UInt32
    /// `nonce (12) ‖ ciphertext (32) ‖ tag (16)`.
    public let sealed: [UInt8]

    /// A wrapped key as read back from the key table.
    public init(customerID: String, id: DataKeyID, masterVersion: UInt32, sealed: [UInt8]) {
        self.customerID = customerID
        self.id = id
        self.masterVersion = masterVersion
        self.sealed = sealed
    }
}

extension MasterKeyring {
    /// The associated data that binds a wrapped key to its customer, id and master version.
    static func wrapAAD(customerID: String, id: DataKeyID, masterVersion: UInt32) -> [UInt8] {
        var aad = Array("lethe/dek/v1".utf8)
        aad.appendBigEndian(masterVersion)
        aad.appendLengthPrefixed(customerID)
        aad.appendBigEndian(id.keyID)
        aad.appendBigEndian(id.version)
        return aad
    }

    /// A fresh random data key for `customerID`, and its wrapped form under the primary master key.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func newDataKey(customerID: String, version: UInt16 = 1) throws(CryptoError) -> (SecretBytes, WrappedDataKey)
    {
        let key = try SecretBytes(randomCount: AES256GCM.keySize)
        let id = DataKeyID(keyID: try SecureRandom.uint32(), version: version)
        return (key, try wrap(key, customerID: customerID, id: id))
    }

    /// Seals `key` under the primary master key.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func wrap(_ key: SecretBytes, customerID: String, id: DataKeyID) throws(CryptoError) -> WrappedDataKey {
        let cipher = try AES256GCM(key: self.key(primaryVersion))
        let aad = Self.wrapAAD(customerID: customerID, id: id, masterVersion: primaryVersion)
        let sealed = try CryptoError.typed {
            try key.withUnsafeBytes { plain in try aad.withUnsafeBytes { try cipher.seal(plain, aad: $0) } }
        }
        return WrappedDataKey(customerID: customerID, id: id, masterVersion: primaryVersion, sealed: sealed)
    }

    /// Opens a wrapped key; fails if any field was changed, or its master version was retired.
    ///
    /// - Throws: ``CryptoError/unknownMasterKeyVersion(_:)`` when its master version is not loaded,
    ///   ``CryptoError/authenticationFailed`` when any part was changed, and
    ///   ``CryptoError/malformedCiphertext(_:)`` when it does not hold 32 bytes.
    public func unwrap(_ wrapped: WrappedDataKey) throws(CryptoError) -> SecretBytes {
        let cipher = try AES256GCM(key: key(wrapped.masterVersion))
        let aad = Self.wrapAAD(customerID: wrapped.customerID, id: wrapped.id, masterVersion: wrapped.masterVersion)
        var plain = try CryptoError.typed {
            try wrapped.sealed.withUnsafeBytes { sealed in try aad.withUnsafeBytes { try cipher.open(sealed, aad: $0) }
            }
        }
        defer { plain.withUnsafeMutableBytes { wipe($0) } }
        guard plain.count == AES256GCM.keySize else {
            throw .malformedCiphertext("a wrapped data key holds \(plain.count) bytes, expected 32")
        }
        return SecretBytes(plain)
    }

    /// The same data key wrapped under the primary master key (unchanged if it already is).
    ///
    /// - Throws: The errors of ``unwrap(_:)`` and ``wrap(_:customerID:id:)``.
    public func rewrap(_ wrapped: WrappedDataKey) throws(CryptoError) -> WrappedDataKey {
        guard wrapped.masterVersion != primaryVersion else { return wrapped }
        return try wrap(try unwrap(wrapped), customerID: wrapped.customerID, id: wrapped.id)
    }
}

/// What a key derived from the master key is for. Each purpose gets an independent key.
public enum KeyPurpose: Hashable, Sendable {
    /// Blind indexes of one field, e.g. `contact.email`.
    case blindIndex(record: String, field: String)
    /// The HMAC chain of the audit trail.
    case auditSigning
    /// Hashing of bearer tokens and one-time codes before storage.
    case tokenHashing

    var info: [UInt8] {
        switch self {
        case .blindIndex(let record, let field):
            var info = Array("lethe/purpose/v1/blind-index".utf8)
            info.appendLengthPrefixed(record)
            info.appendLengthPrefixed(field)
            return info
        case .auditSigning: return Array("lethe/purpose/v1/audit-signing".utf8)
        case .tokenHashing: return Array("lethe/purpose/v1/token-hashing".utf8)
        }
    }
}

extension MasterKeyring {
    /// A 32-byte key for `purpose`, derived with HKDF-SHA256 from master key `version` (default primary).
    ///
    /// Derived keys follow their master version: whatever was made with one (blind indexes, audit
    /// signatures) records that version, and the version is retired only after it has been redone.
    ///
    /// - Throws: ``CryptoError/unknownMasterKeyVersion(_:)`` when `version` is not loaded,
    ///   ``CryptoError/openssl(_:)`` when HKDF fails.
    public func purposeKey(_ purpose: KeyPurpose, version: UInt32? = nil) throws(CryptoError) -> SecretBytes {
        var info = purpose.info
        info.appendBigEndian(version ?? primaryVersion)
        return try HKDFSHA256.derive(
            from: key(version ?? primaryVersion),
            salt: Array("lethe/hkdf-salt/v1".utf8),
            info: info,
            length: 32
        )
    }
}

func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    OPENSSL_cleanse(buffer.baseAddress, buffer.count)
}

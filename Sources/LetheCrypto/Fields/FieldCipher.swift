/// Where an encrypted value lives. Bound into the associated data, never stored in the ciphertext:
/// a value copied to another record type, field or customer fails to open.
public struct FieldLocation: Hashable, Sendable {
    /// The record type as named in `classification.yaml`, e.g. `contact` or `payment-method`.
    public let record: String
    /// The field within the record, e.g. `email`.
    public let field: String
    /// `LP(record) ‖ LP(field)`, encoded once: locations are long-lived and sealing is hot.
    let encoded: [UInt8]

    /// The location `record.field`, with its length-prefixed encoding computed once.
    public init(record: String, field: String) {
        self.record = record
        self.field = field
        var encoded: [UInt8] = []
        encoded.appendLengthPrefixed(record)
        encoded.appendLengthPrefixed(field)
        self.encoded = encoded
    }

    /// Two locations are the same when record and field are; the cached encoding follows from them.
    public static func == (lhs: FieldLocation, rhs: FieldLocation) -> Bool {
        lhs.record == rhs.record && lhs.field == rhs.field
    }

    /// Hashes record and field, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(record)
        hasher.combine(field)
    }
}

/// The versioned, self-describing layout of an encrypted field (docs/encryption.md):
///
///     format (1) = 0x01 ‖ key id (4, big-endian) ‖ key version (2, big-endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
///
/// Associated data: `"lethe/field/v1" ‖ header (7) ‖ LP(record) ‖ LP(field) ‖ LP(customer id)`,
/// with `LP(x) = u32_be(len(x)) ‖ utf8(x)`.
public enum FieldCiphertext {
    /// AES-256-GCM, random 96-bit nonce. 0x00 and 0xFF are never valid, so plaintext is never mistaken for ciphertext.
    public static let formatAES256GCM: UInt8 = 0x01
    /// Bytes before the nonce: format (1), key id (4) and key version (2).
    public static let headerSize = 7
    /// Bytes a sealed field adds to its plaintext: header, nonce and tag (35 in all).
    public static let overhead = headerSize + AES256GCM.overhead

    /// The key a ciphertext was sealed with, read from the header alone (for rotation and routing).
    ///
    /// - Throws: ``CryptoError/malformedCiphertext(_:)`` when the value is shorter than the overhead,
    ///   ``CryptoError/unknownFormatVersion(_:)`` when the first byte is not a known format.
    public static func keyID(of ciphertext: [UInt8]) throws(CryptoError) -> DataKeyID {
        guard ciphertext.count >= overhead else {
            throw .malformedCiphertext("\(ciphertext.count) bytes is shorter than the \(overhead)-byte overhead")
        }
        guard ciphertext[0] == formatAES256GCM else { throw .unknownFormatVersion(ciphertext[0]) }
        return ciphertext.withUnsafeBytes { raw in
            DataKeyID(keyID: raw.bigEndianUInt32(at: 1), version: raw.bigEndianUInt16(at: 5))
        }
    }

    static func header(_ id: DataKeyID) -> [UInt8] {
        var header: [UInt8] = [formatAES256GCM]
        header.reserveCapacity(headerSize)
        header.appendBigEndian(id.keyID)
        header.appendBigEndian(id.version)
        return header
    }
}

/// Encrypts and decrypts one customer's fields under that customer's data key.
///
/// Holds reused cipher contexts and a scratch buffer for associated data, so a seal allocates only
/// its output. Not `Sendable`: one per task.
public final class FieldCipher {
    /// The account id (e.g. `TR-04217`) bound into every value's associated data, so a value moved to
    /// another customer fails to open.
    public let customerID: String
    /// The customer data key this cipher seals with; written into every header it produces.
    public let keyID: DataKeyID
    private let cipher: AES256GCM
    private let header: [UInt8]
    /// `"lethe/field/v1" ‖ header`: the part of the associated data that never changes for this key.
    private let aadPrefix: [UInt8]
    /// `LP(customer id)`: the part that closes every associated data of this customer.
    private let aadSuffix: [UInt8]

    /// A cipher for one customer's fields under their unwrapped data key.
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` when the key is not 32 bytes,
    ///   ``CryptoError/openssl(_:)`` when the cipher contexts cannot be prepared.
    public init(dataKey: SecretBytes, keyID: DataKeyID, customerID: String) throws(CryptoError) {
        self.cipher = try AES256GCM(key: dataKey)
        self.keyID = keyID
        self.customerID = customerID
        let header = FieldCiphertext.header(keyID)
        self.header = header
        self.aadPrefix = Array("lethe/field/v1".utf8) + header
        var suffix: [UInt8] = []
        suffix.appendLengthPrefixed(customerID)
        self.aadSuffix = suffix
    }

    /// `header ‖ nonce ‖ ciphertext ‖ tag` for `plaintext` at `location`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func seal(_ plaintext: [UInt8], at location: FieldLocation) throws(CryptoError) -> [UInt8] {
        try CryptoError.typed {
            try withAAD(location) { aad in
                try plaintext.withUnsafeBytes { plain in
                    try header.withUnsafeBytes { try cipher.seal(plain, aad: aad, prefix: $0) }
                }
            }
        }
    }

    /// Seals the UTF-8 bytes of `text`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func seal(_ text: String, at location: FieldLocation) throws(CryptoError) -> [UInt8] {
        try seal(Array(text.utf8), at: location)
    }

    /// The plaintext of a value sealed for this customer at `location`.
    ///
    /// - Throws: ``CryptoError/malformedCiphertext(_:)`` or ``CryptoError/unknownFormatVersion(_:)`` for a
    ///   bad header, ``CryptoError/unknownDataKey(keyID:keyVersion:)`` when another key sealed it, and
    ///   ``CryptoError/authenticationFailed`` when it was altered or moved.
    public func open(_ ciphertext: [UInt8], at location: FieldLocation) throws(CryptoError) -> [UInt8] {
        let id = try FieldCiphertext.keyID(of: ciphertext)
        guard id == keyID else { throw .unknownDataKey(keyID: id.keyID, keyVersion: id.version) }
        return try CryptoError.typed {
            try withAAD(location) { aad in
                try ciphertext.withUnsafeBytes { raw in
                    try cipher.open(UnsafeRawBufferPointer(rebasing: raw[FieldCiphertext.headerSize...]), aad: aad)
                }
            }
        }
    }

    /// Opens a value sealed from a `String`.
    ///
    /// - Throws: As ``open(_:at:)``, and ``CryptoError/malformedCiphertext(_:)`` when the plaintext is not UTF-8.
    public func openString(_ ciphertext: [UInt8], at location: FieldLocation) throws(CryptoError) -> String {
        let bytes = try open(ciphertext, at: location)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformedCiphertext("the plaintext is not UTF-8 text")
        }
        return text
    }

    /// Assembles the associated data on the stack from its three precomputed parts.
    @inline(__always)
    private func withAAD<R>(_ location: FieldLocation, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let count = aadPrefix.count + location.encoded.count + aadSuffix.count
        return try withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) { buffer in
            var offset = 0
            func copy(_ part: [UInt8]) {
                part.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + source.count]).copyMemory(
                        from: source
                    )
                }
                offset += part.count
            }
            copy(aadPrefix)
            copy(location.encoded)
            copy(aadSuffix)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }
}

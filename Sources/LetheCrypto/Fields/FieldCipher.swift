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
///     format (1) ‖ key id (4, big-endian) ‖ key version (2, big-endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
///
/// Format `0x02` (row-bound, what every table column is sealed with) has the associated data
/// `"lethe/field/v2" ‖ header (7) ‖ LP(record) ‖ LP(field) ‖ LP(customer id) ‖ LP(row)`; format `0x01`
/// (unbound, kept where the container already binds the value: audit reasons under the entry MAC, export
/// bundle entries under the bundle id) has `"lethe/field/v1" ‖ header (7) ‖ LP(record) ‖ LP(field) ‖ LP(customer id)`,
/// with `LP(x) = u32_be(len(x)) ‖ x`.
public enum FieldCiphertext {
    /// AES-256-GCM, random 96-bit nonce, not bound to a row. 0x00 and 0xFF are never valid, so plaintext is
    /// never mistaken for ciphertext.
    public static let formatAES256GCM: UInt8 = 0x01
    /// AES-256-GCM, random 96-bit nonce, bound to the row (and the row's revision) it is stored in: a value
    /// copied to another row of the same customer, or an earlier value restored into its row, fails to open.
    public static let formatRowBound: UInt8 = 0x02
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
        guard ciphertext[0] == formatAES256GCM || ciphertext[0] == formatRowBound else {
            throw .unknownFormatVersion(ciphertext[0])
        }
        return ciphertext.withUnsafeBytes { raw in
            DataKeyID(keyID: raw.bigEndianUInt32(at: 1), version: raw.bigEndianUInt16(at: 5))
        }
    }

    static func header(_ id: DataKeyID, format: UInt8) -> [UInt8] {
        var header: [UInt8] = [format]
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
    /// The unbound (`0x01`) and row-bound (`0x02`) layouts' constant parts.
    private let unbound: Layout
    private let rowBound: Layout
    /// `LP(customer id)`: the part that closes every associated data of this customer (before the row).
    private let aadSuffix: [UInt8]

    /// One format's header and the part of its associated data that never changes for this key.
    private struct Layout {
        let format: UInt8
        let header: [UInt8]
        /// `label ‖ header`.
        let aadPrefix: [UInt8]

        init(format: UInt8, label: String, keyID: DataKeyID) {
            self.format = format
            header = FieldCiphertext.header(keyID, format: format)
            aadPrefix = Array(label.utf8) + header
        }
    }

    /// A cipher for one customer's fields under their unwrapped data key.
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` when the key is not 32 bytes,
    ///   ``CryptoError/openssl(_:)`` when the cipher contexts cannot be prepared.
    public init(dataKey: SecretBytes, keyID: DataKeyID, customerID: String) throws(CryptoError) {
        self.cipher = try AES256GCM(key: dataKey)
        self.keyID = keyID
        self.customerID = customerID
        unbound = Layout(format: FieldCiphertext.formatAES256GCM, label: "lethe/field/v1", keyID: keyID)
        rowBound = Layout(format: FieldCiphertext.formatRowBound, label: "lethe/field/v2", keyID: keyID)
        var suffix: [UInt8] = []
        suffix.appendLengthPrefixed(customerID)
        self.aadSuffix = suffix
    }

    /// `header ‖ nonce ‖ ciphertext ‖ tag` for `plaintext` at `location`, in the unbound format `0x01`.
    /// Only for values whose container binds them already (an audit entry's MAC, an export bundle's id);
    /// table columns use ``seal(_:at:row:)``.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func seal(_ plaintext: [UInt8], at location: FieldLocation) throws(CryptoError) -> [UInt8] {
        try seal(plaintext, location, unbound, row: nil)
    }

    /// Seals the UTF-8 bytes of `text` in the unbound format `0x01`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func seal(_ text: String, at location: FieldLocation) throws(CryptoError) -> [UInt8] {
        try seal(Array(text.utf8), at: location)
    }

    /// `header ‖ nonce ‖ ciphertext ‖ tag` for `plaintext` at `location` in the row named `row` (its
    /// reference, which changes with each revision of the row), in the row-bound format `0x02`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails.
    public func seal(_ plaintext: [UInt8], at location: FieldLocation, row: [UInt8]) throws(CryptoError) -> [UInt8] {
        try seal(plaintext, location, rowBound, row: row)
    }

    /// The plaintext of a value sealed for this customer at `location`, in the unbound format `0x01`.
    ///
    /// - Throws: ``CryptoError/malformedCiphertext(_:)`` or ``CryptoError/unknownFormatVersion(_:)`` for a
    ///   bad header (a row-bound value included), ``CryptoError/unknownDataKey(keyID:keyVersion:)`` when
    ///   another key sealed it, and ``CryptoError/authenticationFailed`` when it was altered or moved.
    public func open(_ ciphertext: [UInt8], at location: FieldLocation) throws(CryptoError) -> [UInt8] {
        try open(ciphertext, location, unbound, row: nil)
    }

    /// The plaintext of a value sealed for this customer at `location` in the row named `row`. Only the
    /// row-bound format `0x02` is accepted, so an older unbound value cannot be slipped into a row.
    ///
    /// - Throws: As ``open(_:at:)``; ``CryptoError/unknownFormatVersion(_:)`` for an unbound value, and
    ///   ``CryptoError/authenticationFailed`` when the value belongs to another row or an earlier revision.
    public func open(_ ciphertext: [UInt8], at location: FieldLocation, row: [UInt8]) throws(CryptoError) -> [UInt8] {
        try open(ciphertext, location, rowBound, row: row)
    }

    /// Opens a value sealed from a `String` in the unbound format.
    ///
    /// - Throws: As ``open(_:at:)``, and ``CryptoError/malformedCiphertext(_:)`` when the plaintext is not UTF-8.
    public func openString(_ ciphertext: [UInt8], at location: FieldLocation) throws(CryptoError) -> String {
        try Self.text(try open(ciphertext, at: location))
    }

    /// Opens a value sealed from a `String` in the row named `row`.
    ///
    /// - Throws: As ``open(_:at:row:)``, and ``CryptoError/malformedCiphertext(_:)`` when the plaintext is not UTF-8.
    public func openString(
        _ ciphertext: [UInt8],
        at location: FieldLocation,
        row: [UInt8]
    ) throws(CryptoError)
        -> String
    {
        try Self.text(try open(ciphertext, at: location, row: row))
    }

    private static func text(_ bytes: [UInt8]) throws(CryptoError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformedCiphertext("the plaintext is not UTF-8 text")
        }
        return text
    }

    private func seal(
        _ plaintext: [UInt8],
        _ location: FieldLocation,
        _ layout: Layout,
        row: [UInt8]?
    )
        throws(CryptoError) -> [UInt8]
    {
        try CryptoError.typed {
            try withAAD(layout, location, row: row) { aad in
                try plaintext.withUnsafeBytes { plain in
                    try layout.header.withUnsafeBytes { try cipher.seal(plain, aad: aad, prefix: $0) }
                }
            }
        }
    }

    private func open(
        _ ciphertext: [UInt8],
        _ location: FieldLocation,
        _ layout: Layout,
        row: [UInt8]?
    )
        throws(CryptoError) -> [UInt8]
    {
        let id = try FieldCiphertext.keyID(of: ciphertext)
        // A value of the other format is refused before any decryption: no downgrade to an unbound value.
        guard ciphertext[0] == layout.format else { throw .unknownFormatVersion(ciphertext[0]) }
        guard id == keyID else { throw .unknownDataKey(keyID: id.keyID, keyVersion: id.version) }
        return try CryptoError.typed {
            try withAAD(layout, location, row: row) { aad in
                try ciphertext.withUnsafeBytes { raw in
                    try cipher.open(UnsafeRawBufferPointer(rebasing: raw[FieldCiphertext.headerSize...]), aad: aad)
                }
            }
        }
    }

    /// Assembles the associated data on the stack from its precomputed parts and, for a row-bound value,
    /// `LP(row)`.
    @inline(__always)
    private func withAAD<R>(
        _ layout: Layout,
        _ location: FieldLocation,
        row: [UInt8]?,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let rowCount = row.map { 4 + $0.count } ?? 0
        let count = layout.aadPrefix.count + location.encoded.count + aadSuffix.count + rowCount
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
            copy(layout.aadPrefix)
            copy(location.encoded)
            copy(aadSuffix)
            if let row {
                let length = UInt32(row.count).bigEndian
                withUnsafeBytes(of: length) { source in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + 4]).copyMemory(from: source)
                }
                offset += 4
                copy(row)
            }
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }
}

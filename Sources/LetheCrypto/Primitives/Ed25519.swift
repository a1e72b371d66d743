import COpenSSL
import Foundation

/// An Ed25519 public key (RFC 8032, pure Ed25519, no pre-hash), as authorized agents publish it.
///
/// OpenSSL accepts any 32 bytes as a key, while libsodium, which the Data Rights Protocol's agents
/// sign with, refuses keys of small order. Such a key admits signatures that verify for many
/// messages, so it is refused here when loaded, closing the gap between the two libraries.
public struct Ed25519PublicKey: Sendable, Hashable {
    /// The 32-byte encoding of the curve point.
    public let rawRepresentation: [UInt8]

    /// The encodings of the points of order 1, 2, 4 and 8 (canonical and the non-canonical forms
    /// y = p-1, p, p+1), compared with the sign bit masked, as libsodium's `has_small_order` does.
    private static let smallOrder: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
            0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
            0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
        ],
        [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
        [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
    ]

    /// Accepts exactly 32 bytes that are not a small-order point.
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` when not 32 bytes,
    ///   ``CryptoError/invalidPublicKey(_:)`` for a small-order point.
    public init(rawRepresentation bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidKeyLength(expected: 32, actual: bytes.count) }
        var masked = bytes
        masked[31] &= 0x7f
        guard !Self.smallOrder.contains(masked) else {
            throw .invalidPublicKey("the key is a point of small order, which no honest key is")
        }
        rawRepresentation = bytes
    }

    /// Reads a key as agents publish it: standard or URL-safe base64 of 32 bytes (padding optional),
    /// or 64 hexadecimal digits (the older directory form).
    ///
    /// - Throws: ``CryptoError/invalidPublicKey(_:)`` when the text is neither form or the key is unsafe,
    ///   ``CryptoError/invalidKeyLength(expected:actual:)`` when it decodes to other than 32 bytes.
    public init(encoded text: String) throws(CryptoError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, let bytes = Self.hexBytes(trimmed) {
            try self.init(rawRepresentation: bytes)
        } else if let bytes = LenientBase64.decode(trimmed) {
            try self.init(rawRepresentation: bytes)
        } else {
            throw .invalidPublicKey("not base64 or hex of a 32-byte key")
        }
    }

    /// Standard base64, the form the directory uses since DRP 0.9.1.
    public var base64: String { LenientBase64.encode(rawRepresentation) }

    /// Whether `signature` (64 bytes) is this key's Ed25519 signature of exactly `message`.
    ///
    /// One-shot `EVP_DigestVerify`: Ed25519 has no streaming form in OpenSSL 3.
    public func isValidSignature(_ signature: some Collection<UInt8>, for message: some Collection<UInt8>) -> Bool {
        let signature = Array(signature)
        let message = Array(message)
        guard signature.count == 64 else { return false }
        let key = rawRepresentation.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }
        guard let key else {
            _ = OpenSSLError.drain("EVP_PKEY_new_raw_public_key")
            return false
        }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else {
            _ = OpenSSLError.drain("EVP_DigestVerifyInit")
            return false
        }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        // A failed verification queues an error; drain it so it does not surface in a later call.
        if result != 1 { _ = OpenSSLError.drain("EVP_DigestVerify") }
        return result == 1
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// An Ed25519 signing key from its 32-byte seed (the form PyNaCl's `SigningKey` and the DRP
/// reference agent keep). Lethe itself only verifies; this is what its tests sign with as an agent.
public struct Ed25519SigningKey: Sendable {
    private let seed: SecretBytes
    /// The public half, as an agent would publish it in the DRP directory.
    public let publicKey: Ed25519PublicKey

    /// A signing key from its 32-byte seed.
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` when the seed is not 32 bytes,
    ///   ``CryptoError/openssl(_:)`` when OpenSSL cannot build the key.
    public init(seed: SecretBytes) throws(CryptoError) {
        guard seed.count == 32 else { throw .invalidKeyLength(expected: 32, actual: seed.count) }
        self.seed = seed
        let key = try Self.privateKey(seed)
        defer { EVP_PKEY_free(key) }
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        guard raw.withUnsafeMutableBufferPointer({ EVP_PKEY_get_raw_public_key(key, $0.baseAddress, &length) }) == 1
        else { throw .openssl(.drain("EVP_PKEY_get_raw_public_key")) }
        publicKey = try Ed25519PublicKey(rawRepresentation: raw)
    }

    /// A new key from OpenSSL's CSPRNG.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG or key construction fails.
    public static func generate() throws(CryptoError) -> Ed25519SigningKey {
        try Ed25519SigningKey(seed: SecretBytes(randomCount: 32))
    }

    /// The 64-byte signature of `message`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when signing fails.
    public func signature(for message: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        let message = Array(message)
        let key = try Self.privateKey(seed)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { throw .openssl(.drain("EVP_MD_CTX_new")) }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else {
            throw .openssl(.drain("EVP_DigestSignInit"))
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = signature.withUnsafeMutableBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestSign(context, sig.baseAddress, &length, msg.baseAddress, msg.count)
            }
        }
        guard ok == 1, length == 64 else { throw .openssl(.drain("EVP_DigestSign")) }
        return signature
    }

    private static func privateKey(_ seed: SecretBytes) throws(CryptoError) -> OpaquePointer {
        let key = seed.withUnsafeBytes {
            EVP_PKEY_new_raw_private_key(
                EVP_PKEY_ED25519,
                nil,
                $0.baseAddress?.assumingMemoryBound(to: UInt8.self),
                $0.count
            )
        }
        guard let key else { throw .openssl(.drain("EVP_PKEY_new_raw_private_key")) }
        return key
    }
}

/// Base64 as agents send it: the spec names no flavour, so whitespace is ignored and the URL-safe
/// alphabet and missing padding are accepted.
public enum LenientBase64 {
    /// The bytes of standard or URL-safe base64, with or without padding and whitespace; `nil` when
    /// the text is not base64 at all.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var normalised = String(
            text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init)
        )
        normalised = normalised.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = normalised.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { normalised += String(repeating: "=", count: 4 - remainder) }
        guard let data = Data(base64Encoded: normalised) else { return nil }
        return [UInt8](data)
    }

    /// Standard, padded base64: the form Lethe writes.
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}

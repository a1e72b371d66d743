import COpenSSL

/// HMAC-SHA256 under one key, with the keyed context reused across messages.
///
/// Re-initialising a keyed `EVP_MAC_CTX` without a key keeps the key's precomputed state, which
/// makes a blind-index token about four times cheaper than a one-shot `HMAC()`. Not `Sendable`.
public final class HMACSHA256 {
    /// MAC length in bytes.
    public static let outputSize = 32

    nonisolated(unsafe) private static let mac: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)

    private let context: OpaquePointer

    /// A context keyed once with `key`, ready for many messages.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL cannot create or key the context.
    public init(key: SecretBytes) throws(CryptoError) {
        guard let mac = Self.mac, let context = EVP_MAC_CTX_new(mac) else {
            throw .openssl(.drain("EVP_MAC_CTX_new HMAC"))
        }
        self.context = context
        let ok = key.withUnsafeBytes { raw in
            lethe_hmac_sha256_init(context, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard ok == 1 else { throw .openssl(.drain("EVP_MAC_init")) }
    }

    deinit { EVP_MAC_CTX_free(context) }

    /// The 32-byte MAC of the concatenation of `parts`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL fails.
    public func authenticate(_ parts: UnsafeRawBufferPointer...) throws(CryptoError) -> [UInt8] {
        guard EVP_MAC_init(context, nil, 0, nil) == 1 else { throw .openssl(.drain("EVP_MAC_init")) }
        for part in parts where part.count > 0 {
            guard EVP_MAC_update(context, part.baseAddress?.assumingMemoryBound(to: UInt8.self), part.count) == 1 else {
                throw .openssl(.drain("EVP_MAC_update"))
            }
        }
        var out = [UInt8](repeating: 0, count: Self.outputSize)
        var length = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_MAC_final(context, $0.baseAddress, &length, Self.outputSize) }
        guard ok == 1, length == Self.outputSize else { throw .openssl(.drain("EVP_MAC_final")) }
        return out
    }

    /// The MAC of `message`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL fails.
    public func authenticate(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        try CryptoError.typed { try message.withUnsafeBytes { try authenticate($0) } }
    }
}

/// HKDF-SHA256 (RFC 5869): derives independent keys from one secret, separated by `info`.
public enum HKDFSHA256 {
    nonisolated(unsafe) private static let kdf: OpaquePointer? = EVP_KDF_fetch(nil, "HKDF", nil)

    /// `length` bytes of output keying material.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when HKDF is unavailable or fails.
    public static func derive(
        from secret: SecretBytes,
        salt: [UInt8],
        info: [UInt8],
        length: Int
    ) throws(CryptoError) -> SecretBytes {
        guard let kdf else { throw .openssl(.drain("EVP_KDF_fetch HKDF")) }
        var out = [UInt8](repeating: 0, count: length)
        defer { out.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        let ok = secret.withUnsafeBytes { ikm in
            salt.withUnsafeBufferPointer { s in
                info.withUnsafeBufferPointer { i in
                    out.withUnsafeMutableBufferPointer { o in
                        lethe_hkdf_sha256(
                            kdf,
                            ikm.baseAddress?.assumingMemoryBound(to: UInt8.self),
                            ikm.count,
                            s.baseAddress,
                            s.count,
                            i.baseAddress,
                            i.count,
                            o.baseAddress,
                            o.count
                        )
                    }
                }
            }
        }
        guard ok == 1 else { throw .openssl(.drain("EVP_KDF_derive HKDF")) }
        return SecretBytes(out)
    }
}

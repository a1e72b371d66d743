import COpenSSL

/// Streaming SHA-256, for digests of export files written piece by piece. Not `Sendable`.
public final class SHA256Hasher {
    nonisolated(unsafe) private static let md: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)
    private let context: OpaquePointer

    /// A fresh digest in progress.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL cannot set up SHA-256.
    public init() throws(CryptoError) {
        guard let md = Self.md, let context = EVP_MD_CTX_new() else { throw .openssl(.drain("EVP_MD_CTX_new")) }
        self.context = context
        guard EVP_DigestInit_ex2(context, md, nil) == 1 else { throw .openssl(.drain("EVP_DigestInit_ex2")) }
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds the next piece of the file.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL fails.
    public func update(_ bytes: UnsafeRawBufferPointer) throws(CryptoError) {
        guard bytes.count == 0 || EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            throw .openssl(.drain("EVP_DigestUpdate"))
        }
    }

    /// The digest as lower-case hex; the hasher cannot be used afterwards.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL fails.
    public func finalizeHex() throws(CryptoError) -> String {
        try finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The 32-byte digest; the hasher cannot be used afterwards.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL fails.
    public func finalize() throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        guard ok == 1, length == 32 else { throw .openssl(.drain("EVP_DigestFinal_ex")) }
        return out
    }

    /// The SHA-256 of `bytes` in one call.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when OpenSSL fails.
    public static func digest(_ bytes: [UInt8]) throws(CryptoError) -> [UInt8] {
        let hasher = try SHA256Hasher()
        let failure: CryptoError? = bytes.withUnsafeBytes { buffer in
            do throws(CryptoError) { try hasher.update(buffer) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        return try hasher.finalize()
    }
}

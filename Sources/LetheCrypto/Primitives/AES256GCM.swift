import COpenSSL

/// AES-256-GCM with a 96-bit random nonce and a 128-bit tag, on OpenSSL 3.
///
/// One instance keeps one expanded key in two reused cipher contexts (seal and open), which halves
/// the per-message cost against a fresh context; it is therefore not `Sendable`: use one per task.
/// Sealed output is `nonce (12) ‖ ciphertext ‖ tag (16)`.
public final class AES256GCM {
    /// Key length in bytes (256 bits).
    public static let keySize = 32
    /// Nonce length in bytes (96 bits), drawn at random for every seal.
    public static let nonceSize = 12
    /// Authentication tag length in bytes (128 bits).
    public static let tagSize = 16
    /// Bytes a seal adds to its plaintext: nonce and tag (28).
    public static let overhead = nonceSize + tagSize

    // Fetched once: EVP_aes_256_gcm() would fetch implicitly on every init. Immutable and thread-safe.
    nonisolated(unsafe) private static let cipher: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)

    private let sealContext: OpaquePointer
    private let openContext: OpaquePointer
    private var nonces = NonceBuffer()

    /// Prepares both contexts with `key` (32 bytes).
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` for a key that is not 32 bytes,
    ///   ``CryptoError/openssl(_:)`` when OpenSSL cannot set up the contexts.
    public init(key: SecretBytes) throws(CryptoError) {
        guard key.count == Self.keySize else { throw .invalidKeyLength(expected: Self.keySize, actual: key.count) }
        guard let cipher = Self.cipher else { throw .openssl(.drain("EVP_CIPHER_fetch AES-256-GCM")) }
        guard let seal = EVP_CIPHER_CTX_new() else { throw .openssl(.drain("EVP_CIPHER_CTX_new")) }
        guard let open = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_CTX_free(seal)
            throw .openssl(.drain("EVP_CIPHER_CTX_new"))
        }
        sealContext = seal
        openContext = open
        let ok = key.withUnsafeBytes { raw in
            let bytes = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return EVP_EncryptInit_ex2(seal, cipher, bytes, nil, nil) == 1
                && EVP_DecryptInit_ex2(open, cipher, bytes, nil, nil) == 1
        }
        guard ok else { throw .openssl(.drain("EVP_CipherInit_ex2")) }
    }

    deinit {
        // EVP_CIPHER_CTX_free cleanses the key schedule.
        EVP_CIPHER_CTX_free(sealContext)
        EVP_CIPHER_CTX_free(openContext)
    }

    /// Seals `plaintext` under a fresh random nonce; returns `prefix ‖ nonce ‖ ciphertext ‖ tag`.
    ///
    /// `prefix` (e.g. a format header) is copied in first so the whole value is one allocation.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or encryption fails; the output is wiped.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer,
        aad: UnsafeRawBufferPointer,
        prefix: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) throws(CryptoError) -> [UInt8] {
        let total = prefix.count + Self.overhead + plaintext.count
        // The initializer rethrows: on failure the partly written buffer is wiped and dropped.
        return try CryptoError.typed {
            try [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
                let out = UnsafeMutableRawBufferPointer(buffer)
                do {
                    if prefix.count > 0 { out.copyMemory(from: prefix) }
                    let nonce = UnsafeMutableRawBufferPointer(
                        rebasing: out[prefix.count..<prefix.count + Self.nonceSize]
                    )
                    try nonces.next(into: nonce.baseAddress.unsafelyUnwrappedOrTrap)
                    try sealBody(
                        plaintext,
                        aad: aad,
                        nonce: UnsafeRawBufferPointer(nonce),
                        into: out,
                        at: prefix.count + Self.nonceSize
                    )
                    initialized = total
                } catch {
                    OPENSSL_cleanse(out.baseAddress, out.count)
                    throw error
                }
            }
        }
    }

    /// Seals with a caller-chosen nonce: only for known-answer tests. Reusing a nonce under one key
    /// destroys GCM's security, which is why this is not public.
    func seal(
        _ plaintext: [UInt8],
        aad: [UInt8],
        fixedNonce nonce: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.overhead + plaintext.count)
        out.replaceSubrange(0..<Self.nonceSize, with: nonce)
        try CryptoError.typed {
            try plaintext.withUnsafeBytes { p in
                try aad.withUnsafeBytes { a in
                    try nonce.withUnsafeBytes { n in
                        try out.withUnsafeMutableBytes { o in
                            try sealBody(p, aad: a, nonce: n, into: o, at: Self.nonceSize)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Opens `nonce ‖ ciphertext ‖ tag`; throws ``CryptoError/authenticationFailed`` on any mismatch,
    /// never returning a byte of unauthenticated plaintext.
    ///
    /// - Throws: ``CryptoError/malformedCiphertext(_:)`` when shorter than nonce and tag,
    ///   ``CryptoError/authenticationFailed`` on a mismatch, ``CryptoError/openssl(_:)`` on other failures.
    public func open(_ box: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard box.count >= Self.overhead else {
            throw .malformedCiphertext("\(box.count) bytes is shorter than nonce and tag (\(Self.overhead))")
        }
        let length = box.count - Self.overhead
        return try CryptoError.typed {
            try [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, initialized in
                do {
                    try openBody(box, aad: aad, into: UnsafeMutableRawBufferPointer(buffer), length: length)
                    initialized = length
                } catch {
                    // GCM writes plaintext before it checks the tag: wipe it.
                    OPENSSL_cleanse(buffer.baseAddress, buffer.count)
                    throw error
                }
            }
        }
    }

    private func sealBody(
        _ plaintext: UnsafeRawBufferPointer,
        aad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawBufferPointer,
        at offset: Int
    ) throws(CryptoError) {
        let ctx = sealContext
        guard EVP_EncryptInit_ex2(ctx, nil, nil, nonce.baseAddress?.assumingMemoryBound(to: UInt8.self), nil) == 1
        else { throw .openssl(.drain("EVP_EncryptInit_ex2")) }
        var written: Int32 = 0
        if aad.count > 0 {
            try Self.feedAAD(ctx, aad, encrypting: true)
        }
        var position = offset
        var remaining = plaintext
        while remaining.count > 0 {
            let chunk = min(remaining.count, Self.maxChunk)
            guard
                EVP_EncryptUpdate(
                    ctx,
                    (out.baseAddress.unsafelyUnwrappedOrTrap + position).assumingMemoryBound(to: UInt8.self),
                    &written,
                    remaining.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    Int32(chunk)
                ) == 1
            else { throw .openssl(.drain("EVP_EncryptUpdate")) }
            position += Int(written)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[chunk...])
        }
        guard
            EVP_EncryptFinal_ex(
                ctx,
                (out.baseAddress.unsafelyUnwrappedOrTrap + position).assumingMemoryBound(to: UInt8.self),
                &written
            ) == 1
        else { throw .openssl(.drain("EVP_EncryptFinal_ex")) }
        position += Int(written)
        guard
            lethe_gcm_get_tag(
                ctx,
                (out.baseAddress.unsafelyUnwrappedOrTrap + position).assumingMemoryBound(to: UInt8.self),
                Self.tagSize
            ) == 1
        else { throw .openssl(.drain("EVP_CIPHER_CTX_get_params (GCM tag)")) }
    }

    private func openBody(
        _ box: UnsafeRawBufferPointer,
        aad: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawBufferPointer,
        length: Int
    ) throws(CryptoError) {
        let ctx = openContext
        let nonce = box.baseAddress.unsafelyUnwrappedOrTrap
        guard EVP_DecryptInit_ex2(ctx, nil, nil, nonce.assumingMemoryBound(to: UInt8.self), nil) == 1 else {
            throw .openssl(.drain("EVP_DecryptInit_ex2"))
        }
        if aad.count > 0 { try Self.feedAAD(ctx, aad, encrypting: false) }
        var written: Int32 = 0
        var position = 0
        var consumed = 0
        while consumed < length {
            let chunk = min(length - consumed, Self.maxChunk)
            guard
                EVP_DecryptUpdate(
                    ctx,
                    (out.baseAddress.unsafelyUnwrappedOrTrap + position).assumingMemoryBound(to: UInt8.self),
                    &written,
                    (nonce + Self.nonceSize + consumed).assumingMemoryBound(to: UInt8.self),
                    Int32(chunk)
                ) == 1
            else { throw .openssl(.drain("EVP_DecryptUpdate")) }
            position += Int(written)
            consumed += chunk
        }
        let tag = (nonce + Self.nonceSize + length).assumingMemoryBound(to: UInt8.self)
        guard lethe_gcm_set_tag(ctx, tag, Self.tagSize) == 1 else {
            throw .openssl(.drain("EVP_CIPHER_CTX_set_params (GCM tag)"))
        }
        // GCM's final step writes no bytes; it only checks the tag.
        let end = (out.baseAddress.unsafelyUnwrappedOrTrap + position).assumingMemoryBound(to: UInt8.self)
        guard EVP_DecryptFinal_ex(ctx, end, &written) == 1 else {
            // A tag mismatch queues no error worth reporting; clear the queue so it cannot leak onwards.
            ERR_clear_error()
            throw .authenticationFailed
        }
    }

    private static func feedAAD(
        _ ctx: OpaquePointer,
        _ aad: UnsafeRawBufferPointer,
        encrypting: Bool
    ) throws(CryptoError) {
        var written: Int32 = 0
        var remaining = aad
        while remaining.count > 0 {
            let chunk = min(remaining.count, maxChunk)
            let bytes = remaining.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let ok =
                encrypting
                ? EVP_EncryptUpdate(ctx, nil, &written, bytes, Int32(chunk))
                : EVP_DecryptUpdate(ctx, nil, &written, bytes, Int32(chunk))
            guard ok == 1 else { throw .openssl(.drain("EVP_CipherUpdate (AAD)")) }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[chunk...])
        }
    }

    /// `EVP_*Update` takes an `int` length: feed large buffers in 1 GiB pieces.
    private static let maxChunk = 1 << 30
}

extension Optional {
    /// The wrapped pointer of a buffer known to be non-empty; a nil here is a bug in this file, not input.
    fileprivate var unsafelyUnwrappedOrTrap: Wrapped {
        guard let value = self else { preconditionFailure("LetheCrypto: empty buffer where bytes were required") }
        return value
    }
}

import COpenSSL

/// Key material that is wiped from memory when the last reference goes away.
///
/// The bytes live in their own allocation (never in a copy-on-write array that could leave stale
/// copies behind) and are cleared with `OPENSSL_cleanse`, which the optimiser may not remove.
/// `description` never shows them.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    // Immutable after init: safe to share across threads.
    private let storage: UnsafeMutableRawPointer

    /// Copies `bytes`; the caller should wipe its own copy.
    public init(_ bytes: some Collection<UInt8>) {
        count = bytes.count
        storage = .allocate(byteCount: max(count, 1), alignment: 16)
        for (offset, byte) in bytes.enumerated() { storage.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
    }

    /// `count` fresh random bytes from OpenSSL's CSPRNG.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG fails.
    public init(randomCount count: Int) throws(CryptoError) {
        storage = .allocate(byteCount: max(count, 1), alignment: 16)
        self.count = count
        guard count == 0 || RAND_bytes(storage.assumingMemoryBound(to: UInt8.self), Int32(count)) == 1 else {
            // Every stored property is set, so the failed instance is deinitialised like any other: deinit
            // wipes and frees the storage (doing it here as well would free it twice).
            throw .openssl(OpenSSLError.drain("RAND_bytes"))
        }
    }

    /// The number of secret bytes.
    public let count: Int

    deinit {
        OPENSSL_cleanse(storage, max(count, 1))
        storage.deallocate()
    }

    /// Lends the bytes for the duration of `body`; do not let the pointer escape.
    ///
    /// - Throws: Whatever `body` throws.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// `<secret: N bytes>`: the length only, so a key printed by mistake reveals nothing.
    public var description: String { "<secret: \(count) bytes>" }
    /// The same as ``description``: the debugger shows no bytes either.
    public var debugDescription: String { description }
}

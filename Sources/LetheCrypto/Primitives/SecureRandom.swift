import COpenSSL
import Synchronization

/// Random bytes from OpenSSL's CSPRNG (`RAND_bytes`, reseeded by OpenSSL after `fork()`).
public enum SecureRandom {
    /// `count` random bytes.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG fails.
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes {
            RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(count))
        }
        guard ok == 1 else { throw .openssl(.drain("RAND_bytes")) }
        return out
    }

    /// A uniformly random `UInt32`.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG fails.
    public static func uint32() throws(CryptoError) -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }
}

/// Counts `fork()`s of this process so that buffered randomness is never reused in a child.
enum ForkGeneration {
    static let counter = Atomic<UInt64>(0)
    private static let registration: Int32 = pthread_atfork(nil, nil) {
        ForkGeneration.counter.add(1, ordering: .relaxed)
    }

    static var current: UInt64 {
        _ = registration
        return counter.load(ordering: .relaxed)
    }
}

/// 96-bit GCM nonces drawn from a 4 KiB buffer of CSPRNG output.
///
/// One `RAND_bytes` call costs about as much as sealing a small field, so nonces are taken from a
/// buffer refilled every 341 seals. After a `fork()` the child discards the buffer: two processes
/// handing out the same nonces under one key would break GCM completely.
struct NonceBuffer: ~Copyable {
    static let nonceSize = 12
    private static let capacity = 341 * nonceSize
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    private var offset = capacity
    private var generation = UInt64.max

    deinit {
        OPENSSL_cleanse(buffer, Self.capacity)
        buffer.deallocate()
    }

    /// Writes the next unused nonce to `destination` (12 bytes).
    mutating func next(into destination: UnsafeMutableRawPointer) throws(CryptoError) {
        let now = ForkGeneration.current
        if offset == Self.capacity || generation != now {
            guard RAND_bytes(buffer.assumingMemoryBound(to: UInt8.self), Int32(Self.capacity)) == 1 else {
                throw .openssl(.drain("RAND_bytes"))
            }
            offset = 0
            generation = now
        }
        destination.copyMemory(from: buffer + offset, byteCount: Self.nonceSize)
        // Each nonce is handed out once: wipe it from the buffer as it leaves.
        OPENSSL_cleanse(buffer + offset, Self.nonceSize)
        offset += Self.nonceSize
    }
}

import Foundation
import LetheCrypto

/// Where workflows get randomness (account ids, codes), injected so tests and demos are repeatable.
public protocol RandomSource: Sendable {
    /// A uniformly random integer in `0..<upperBound`.
    func uniform(below upperBound: UInt32) throws -> UInt32
}

/// OpenSSL's CSPRNG, with rejection sampling so every value is equally likely.
public struct SecureRandomSource: RandomSource {
    /// The production source: every draw comes from OpenSSL.
    public init() {}

    /// A uniformly random integer in `0..<upperBound`, without modulo bias; `upperBound` must be positive.
    ///
    /// - Throws: `CryptoError` when OpenSSL's generator fails.
    public func uniform(below upperBound: UInt32) throws -> UInt32 {
        precondition(upperBound > 0)
        let limit = UInt32.max - UInt32.max % upperBound
        while true {
            let value = try SecureRandom.uint32()
            if value < limit { return value % upperBound }
        }
    }
}

/// A deterministic generator (SplitMix64) for demo data and tests. Never for ids in production.
public final class SeededRandomSource: RandomSource, @unchecked Sendable {
    // Guarded by `lock`: the state advances on every draw.
    private var state: UInt64
    private let lock = NSLockShim()

    /// A generator whose sequence is fixed by `seed`: the same seed gives the same demo data.
    public init(seed: UInt64) { state = seed }

    /// The next value of the sequence reduced to `0..<upperBound` (slightly biased; fine for demos and tests).
    public func uniform(below upperBound: UInt32) -> UInt32 {
        lock.withLock {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return UInt32(z % UInt64(upperBound))
        }
    }
}

/// `NSLock` under a name that reads as what it is for here.
final class NSLockShim: @unchecked Sendable {
    private let lock = NSLock()
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

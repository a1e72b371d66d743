import COpenSSL
import Foundation

/// Salted scrypt password hashes (RFC 7914) from OpenSSL, as self-describing strings:
/// `$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>`.
///
/// The cost parameters travel with each hash, so they can be raised later without breaking old ones.
public struct PasswordHasher: Sendable {
    /// log2 of the CPU/memory cost N.
    public let logN: Int
    /// scrypt's block size parameter.
    public let r: Int
    /// scrypt's parallelisation parameter.
    public let p: Int

    nonisolated(unsafe) private static let kdf: OpaquePointer? = EVP_KDF_fetch(nil, "SCRYPT", nil)

    /// Defaults: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds here).
    public init(logN: Int = 15, r: Int = 8, p: Int = 1) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// A new hash of `password` with a fresh 16-byte salt.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when randomness or scrypt fails.
    public func hash(_ password: String) throws(CryptoError) -> String {
        let salt = try SecureRandom.bytes(16)
        let digest = try Self.derive(password, salt: salt, logN: logN, r: r, p: p)
        return
            "$scrypt$ln=\(logN),r=\(r),p=\(p)$\(Data(salt).base64EncodedString())$\(Data(digest).base64EncodedString())"
    }

    /// Whether `password` matches `stored`, compared in constant time. A malformed hash never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: true)
        guard parts.count == 4, parts[0] == "scrypt" else { return false }
        var params: [String: Int] = [:]
        for item in parts[1].split(separator: ",") {
            let pair = item.split(separator: "=")
            guard pair.count == 2, let value = Int(pair[1]) else { return false }
            params[String(pair[0])] = value
        }
        guard let logN = params["ln"], let r = params["r"], let p = params["p"], (10...20).contains(logN),
            (1...32).contains(r), (1...16).contains(p),
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
            let actual = try? derive(password, salt: Array(salt), logN: logN, r: r, p: p)
        else { return false }
        return ConstantTime.equals(actual, Array(expected))
    }

    private static func derive(
        _ password: String,
        salt: [UInt8],
        logN: Int,
        r: Int,
        p: Int
    ) throws(CryptoError)
        -> [UInt8]
    {
        guard let kdf else { throw .openssl(.drain("EVP_KDF_fetch SCRYPT")) }
        var out = [UInt8](repeating: 0, count: 32)
        let n = UInt64(1) << UInt64(logN)
        // scrypt needs 128 * N * r bytes; allow that plus headroom.
        let maxmem = UInt64(128) * n * UInt64(r) * 2 + (1 << 20)
        let ok = password.withCString { pass in
            salt.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    lethe_scrypt(
                        kdf,
                        pass,
                        strlen(pass),
                        s.baseAddress,
                        s.count,
                        n,
                        UInt32(r),
                        UInt32(p),
                        maxmem,
                        o.baseAddress,
                        o.count
                    )
                }
            }
        }
        guard ok == 1 else { throw .openssl(.drain("EVP_KDF_derive SCRYPT")) }
        return out
    }
}

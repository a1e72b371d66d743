import COpenSSL

/// An error from OpenSSL itself, with its reason string from the error queue.
public struct OpenSSLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What Lethe was doing, e.g. "EVP_EncryptInit_ex2".
    public let operation: String
    /// OpenSSL's reason string for the first queued error, or a note that the queue was empty.
    public let reason: String

    /// Drains OpenSSL's thread-local error queue into one error, so no stale entry leaks into the next call.
    static func drain(_ operation: String) -> OpenSSLError {
        var reason: String?
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if reason == nil {
                if let text = ERR_reason_error_string(code) {
                    reason = String(cString: text)
                } else {
                    reason = "error 0x" + String(code, radix: 16)
                }
            }
        }
        return OpenSSLError(operation: operation, reason: reason ?? "failed (no reason queued)")
    }

    /// `operation: reason`, for logs.
    public var description: String { "\(operation): \(reason)" }
}

/// Everything that can go wrong in LetheCrypto. No case carries plaintext or key material.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The ciphertext, its tag or its associated data do not match: tampered, truncated, moved, or the wrong key.
    case authenticationFailed
    /// The bytes are not a ciphertext of a known layout (too short, bad header).
    case malformedCiphertext(String)
    /// The first byte names a format this build does not know.
    case unknownFormatVersion(UInt8)
    /// The ciphertext names a data key that is not the one supplied (or no longer exists).
    case unknownDataKey(keyID: UInt32, keyVersion: UInt16)
    /// The wrapped key names a master-key version the keyring does not hold (retired or never loaded).
    case unknownMasterKeyVersion(UInt32)
    /// A key of the wrong length was supplied.
    case invalidKeyLength(expected: Int, actual: Int)
    /// A master key could not be loaded; the message says where from and why (never the key).
    case masterKeyUnavailable(String)
    /// A public key that is malformed or unsafe to trust (e.g. a small-order Ed25519 point).
    case invalidPublicKey(String)
    /// OpenSSL itself failed (allocation, randomness, a primitive); the error carries its reason string.
    case openssl(OpenSSLError)

    /// Whether a stored value failed its integrity check: altered, truncated, of an unknown format, or
    /// naming a data key its owner does not have (a ciphertext moved from another customer), as opposed
    /// to a master key that is not loaded or a library failure.
    public var isIntegrityFailure: Bool {
        switch self {
        case .authenticationFailed, .malformedCiphertext, .unknownFormatVersion, .unknownDataKey: return true
        default: return false
        }
    }

    /// A one-line explanation for logs and operators; never includes plaintext or key bytes.
    public var description: String {
        switch self {
        case .authenticationFailed:
            return
                "authentication failed: the ciphertext was altered, moved to another place, or opened with the wrong key"
        case .malformedCiphertext(let why): return "malformed ciphertext: \(why)"
        case .unknownFormatVersion(let byte): return "unknown ciphertext format version 0x\(String(byte, radix: 16))"
        case .unknownDataKey(let id, let version): return "data key \(id) version \(version) is not available"
        case .unknownMasterKeyVersion(let version): return "master key version \(version) is not in the keyring"
        case .invalidKeyLength(let expected, let actual): return "key must be \(expected) bytes, got \(actual)"
        case .masterKeyUnavailable(let why): return "master key unavailable: \(why)"
        case .invalidPublicKey(let why): return "invalid public key: \(why)"
        case .openssl(let error): return "OpenSSL \(error)"
        }
    }
}

extension CryptoError {
    /// Runs `body`, whose only throwing calls throw `CryptoError` but pass through a `rethrows`
    /// standard-library closure (such as `Array.withUnsafeBytes`) that erases the error type.
    @inline(__always)
    static func typed<T>(_ body: () throws -> T) throws(CryptoError) -> T {
        do {
            return try body()
        } catch let error as CryptoError {
            throw error
        } catch {
            throw .openssl(OpenSSLError(operation: "unexpected", reason: String(describing: type(of: error))))
        }
    }
}

import COpenSSL
import Foundation

/// The master keys (key-encryption keys) that wrap every customer's data key, by version.
///
/// The newest version is primary: it wraps new data keys and is the target of a rewrap. Older
/// versions stay loaded only so that keys not yet rewrapped can be opened; once a rewrap has moved
/// everything, an old version is retired (removed), and every copy of a data key wrapped under it,
/// including those in old backups, can no longer be opened.
public struct MasterKeyring: Sendable {
    /// Every master key is 32 bytes (AES-256).
    public static let keySize = 32

    /// The version that wraps new data keys and derives new purpose keys; the newest after a rotation.
    public let primaryVersion: UInt32
    private let keys: [UInt32: SecretBytes]

    /// The loaded versions, ascending.
    public var versions: [UInt32] { keys.keys.sorted() }

    /// A keyring of the given versions.
    ///
    /// - Throws: ``CryptoError/unknownMasterKeyVersion(_:)`` when `primaryVersion` is not among `keys`,
    ///   ``CryptoError/invalidKeyLength(expected:actual:)`` when a key is not 32 bytes.
    public init(keys: [UInt32: SecretBytes], primaryVersion: UInt32) throws(CryptoError) {
        guard keys[primaryVersion] != nil else { throw .unknownMasterKeyVersion(primaryVersion) }
        for key in keys.values where key.count != Self.keySize {
            throw .invalidKeyLength(expected: Self.keySize, actual: key.count)
        }
        self.keys = keys
        self.primaryVersion = primaryVersion
    }

    /// A keyring with one fresh random key, version 1.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG fails.
    public static func generate() throws(CryptoError) -> MasterKeyring {
        try MasterKeyring(keys: [1: SecretBytes(randomCount: keySize)], primaryVersion: 1)
    }

    /// A new primary version (highest + 1) beside the existing ones.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG fails.
    public func rotated() throws(CryptoError) -> MasterKeyring {
        let staged = try staged()
        return try staged.promoting(staged.stagedVersion ?? primaryVersion)
    }

    /// The first phase of a rotation without a maintenance window: a new version (highest + 1) beside the
    /// existing ones, with the primary unchanged. Every node loads it and can then open what others wrap
    /// under it, before any node wraps under it (``promoting(_:)``).
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` when the CSPRNG fails.
    public func staged() throws(CryptoError) -> MasterKeyring {
        let next = (keys.keys.max() ?? 0) + 1
        var updated = keys
        updated[next] = try SecretBytes(randomCount: Self.keySize)
        return try MasterKeyring(keys: updated, primaryVersion: primaryVersion)
    }

    /// The second phase: the same keys with `version` as primary.
    ///
    /// - Throws: ``CryptoError/unknownMasterKeyVersion(_:)`` for a version that is not loaded.
    public func promoting(_ version: UInt32) throws(CryptoError) -> MasterKeyring {
        try MasterKeyring(keys: keys, primaryVersion: version)
    }

    /// The staged version: the highest loaded version when it is newer than the primary, else nil.
    public var stagedVersion: UInt32? {
        guard let newest = keys.keys.max(), newest > primaryVersion else { return nil }
        return newest
    }

    /// The keyring without `version`. The primary version cannot be retired.
    ///
    /// - Throws: ``CryptoError/masterKeyUnavailable(_:)`` for the primary version,
    ///   ``CryptoError/unknownMasterKeyVersion(_:)`` for a version that is not loaded.
    public func retiring(_ version: UInt32) throws(CryptoError) -> MasterKeyring {
        guard version != primaryVersion else {
            throw .masterKeyUnavailable("version \(version) is primary; rotate before retiring it")
        }
        guard keys[version] != nil else { throw .unknownMasterKeyVersion(version) }
        var updated = keys
        updated[version] = nil
        return try MasterKeyring(keys: updated, primaryVersion: primaryVersion)
    }

    func key(_ version: UInt32) throws(CryptoError) -> SecretBytes {
        guard let key = keys[version] else { throw .unknownMasterKeyVersion(version) }
        return key
    }
}

// MARK: - Loading and saving

extension MasterKeyring {
    /// Loads from `LETHE_MASTER_KEY` (base64 of 32 bytes; version from `LETHE_MASTER_KEY_VERSION`,
    /// default 1) when set, else from the key file at `path`. Returns `nil` when neither exists.
    ///
    /// `LETHE_MASTER_KEYS` (`VERSION:BASE64` pairs, comma-separated; the highest is primary unless
    /// `LETHE_MASTER_KEY_PRIMARY` names another, which stages the newer ones) takes precedence over both.
    ///
    /// - Throws: ``CryptoError/masterKeyUnavailable(_:)`` when a variable or the file is malformed or the
    ///   file's permissions are too open, and the errors of ``init(keys:primaryVersion:)``.
    public static func load(environment: [String: String], keyFile path: String) throws(CryptoError) -> MasterKeyring? {
        // Several versions from the environment, for rotation without a key file: `2:BASE64,1:BASE64`;
        // the highest version is the primary.
        if let list = environment["LETHE_MASTER_KEYS"] {
            var keys: [UInt32: SecretBytes] = [:]
            for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            where !entry.isEmpty {
                let parts = entry.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let version = UInt32(parts[0]), version > 0,
                    let raw = Data(base64Encoded: String(parts[1])), raw.count == keySize
                else {
                    throw .masterKeyUnavailable(
                        "LETHE_MASTER_KEYS must be VERSION:BASE64 pairs separated by commas, each key 32 bytes"
                    )
                }
                guard keys[version] == nil else {
                    throw .masterKeyUnavailable("LETHE_MASTER_KEYS names version \(version) twice")
                }
                keys[version] = SecretBytes(raw)
            }
            guard let newest = keys.keys.max() else {
                throw .masterKeyUnavailable("LETHE_MASTER_KEYS holds no key")
            }
            // A staged version (loaded, not yet primary) needs the primary named: LETHE_MASTER_KEY_PRIMARY.
            var primary = newest
            if let named = environment["LETHE_MASTER_KEY_PRIMARY"] {
                guard let version = UInt32(named), keys[version] != nil else {
                    throw .masterKeyUnavailable("LETHE_MASTER_KEY_PRIMARY must name a version in LETHE_MASTER_KEYS")
                }
                primary = version
            }
            return try MasterKeyring(keys: keys, primaryVersion: primary)
        }
        if let encoded = environment["LETHE_MASTER_KEY"] {
            guard let raw = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespacesAndNewlines)),
                raw.count == keySize
            else { throw .masterKeyUnavailable("LETHE_MASTER_KEY must be base64 of exactly 32 bytes") }
            let versionText = environment["LETHE_MASTER_KEY_VERSION"] ?? "1"
            guard let version = UInt32(versionText), version > 0 else {
                throw .masterKeyUnavailable("LETHE_MASTER_KEY_VERSION must be a positive whole number")
            }
            return try MasterKeyring(keys: [version: SecretBytes(raw)], primaryVersion: version)
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try load(file: path)
    }

    /// Loads a key file written by ``write(to:)``; refuses one that group or others could read.
    ///
    /// - Throws: ``CryptoError/masterKeyUnavailable(_:)`` when the file is unreadable, too open, or not a
    ///   keyring, and ``CryptoError/unknownMasterKeyVersion(_:)`` when its primary is not among its keys.
    public static func load(file path: String) throws(CryptoError) -> MasterKeyring {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .masterKeyUnavailable("cannot read key file \(path)") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .masterKeyUnavailable(
                "key file \(path) is readable by group or others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
            )
        }
        guard let data = FileManager.default.contents(atPath: path),
            let file = try? JSONDecoder().decode(KeyFile.self, from: data)
        else { throw .masterKeyUnavailable("key file \(path) is not a Lethe master keyring") }
        guard file.format == KeyFile.currentFormat else {
            throw .masterKeyUnavailable(
                "key file \(path) has format '\(file.format)', expected '\(KeyFile.currentFormat)'"
            )
        }
        var keys: [UInt32: SecretBytes] = [:]
        for entry in file.keys {
            guard let raw = Data(base64Encoded: entry.key), raw.count == keySize else {
                throw .masterKeyUnavailable("key file \(path): version \(entry.version) is not 32 bytes of base64")
            }
            keys[entry.version] = SecretBytes(raw)
        }
        return try MasterKeyring(keys: keys, primaryVersion: file.primary)
    }

    /// Writes the keyring to `path` with mode 0600, atomically (a temporary file renamed into place).
    ///
    /// - Throws: ``CryptoError/masterKeyUnavailable(_:)`` when the file cannot be created, written or renamed.
    public func write(to path: String) throws(CryptoError) {
        let entries = keys.keys.sorted().map { version in
            KeyFile.Entry(
                version: version,
                key: keys[version].map { $0.withUnsafeBytes { Data($0).base64EncodedString() } } ?? ""
            )
        }
        let file = KeyFile(format: KeyFile.currentFormat, primary: primaryVersion, keys: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(file) else { throw .masterKeyUnavailable("cannot encode keyring") }
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .masterKeyUnavailable("cannot create \(temporary)") }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == data.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .masterKeyUnavailable("cannot write key file \(path)")
        }
    }

    private struct KeyFile: Codable {
        static let currentFormat = "lethe-master-keyring/1"
        struct Entry: Codable {
            let version: UInt32
            let key: String
        }
        let format: String
        let primary: UInt32
        let keys: [Entry]
    }
}

import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// Encrypted bundles: built for a request, stored under the customer's key, fetched by link while valid.
extension ExportBuilder {
    /// Builds the bundle for a request, stores it encrypted under the customer's key, records its link,
    /// and returns the record.
    /// - Throws: ``AccountError/notFound(_:)`` when the account or its key is gone, `JobFailure` or a
    ///   file-system error when a file cannot be written, `CryptoError` when sealing fails, `StoreError`.
    public func build(for request: RequestID, account: AccountID) async throws -> ExportBundleRecord {
        let bundleID =
            "B-" + String(try random.uniform(below: UInt32.max), radix: 36).uppercased()
            + String(try random.uniform(below: UInt32.max), radix: 36).uppercased()
        let bundles = URL(fileURLWithPath: folder).appendingPathComponent("bundles")
        try FileManager.default.createDirectory(
            at: bundles,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        guard let cipher = try await store.fieldCipher(for: account.description) else {
            throw AccountError.notFound(account)
        }
        // The ZIP is sealed chunk by chunk as it is made: the plain bundle never exists as a file.
        let sealed = bundles.appendingPathComponent("\(bundleID).lethe-bundle")
        let digest: String
        do {
            let sink = try SealedBundleSink(sealed, cipher: cipher, bundleID: bundleID, chunkSize: chunkSize)
            _ = try await writeBundle(account, request: request, bundleID: bundleID, into: sink)
            digest = try sink.finish()
        } catch {
            try? FileManager.default.removeItem(at: sealed)
            throw error
        }
        let now = clock.now()
        let record = ExportBundleRecord(
            id: bundleID,
            accountID: account,
            requestID: request,
            path: "bundles/\(bundleID).lethe-bundle",
            sha256: digest,
            createdAt: now,
            expiresAt: now.addingTimeInterval(linkLifetime),
            downloadsLeft: downloads
        )
        try await store.recordBundle(record)
        return record
    }

    /// Decrypts a bundle file to a plain ZIP, checking every chunk and that the last one is really last.
    /// - Throws: `JobFailure` for a file that is not a bundle, truncated or empty; `CryptoError` for a chunk
    ///   that does not authenticate; a file-system error when either file cannot be opened.
    public static func decrypt(_ sealed: URL, to plain: URL, cipher: FieldCipher, bundleID: String) throws {
        guard FileManager.default.createFile(atPath: plain.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw JobFailure(message: "cannot create \(plain.lastPathComponent)")
        }
        let output = try FileHandle(forWritingTo: plain)
        defer { try? output.close() }
        let reader = try BundleChunkReader(sealed, cipher: cipher, bundleID: bundleID)
        while let chunk = try reader.next() { try output.write(contentsOf: chunk) }
    }

    /// A bundle's record (where it is, its digest, its expiry and downloads left), or nil.
    /// - Throws: the store's errors.
    public func bundle(_ id: String) async throws -> ExportBundleRecord? { try await store.bundle(id) }

    /// The bundle built for a request, or nil while there is none.
    /// - Throws: the store's errors.
    public func bundle(forRequest request: RequestID) async throws -> ExportBundleRecord? {
        try await store.bundle(forRequest: request)
    }

    /// Counts a download and decrypts the bundle to `destination`, while the link is valid.
    /// - Throws: `JobFailure` when the link has expired or is used up, or the customer was erased; the
    ///   errors of ``decrypt(_:to:cipher:bundleID:)``; `StoreError` from the store.
    public func download(_ bundleID: String, to destination: URL) async throws {
        let (sealed, cipher, _) = try await takeDownload(bundleID)
        try Self.decrypt(sealed, to: destination, cipher: cipher, bundleID: bundleID)
    }

    /// Counts a download and returns the plain ZIP as a sequence of chunks, decrypted one at a time as
    /// they are taken, for sending over HTTP: the plain ZIP never touches the disk, and never sits whole in
    /// memory either. The link, the count, the customer's key and the file's header (its magic line and the
    /// first chunk's frame) are checked first; each chunk is authenticated as it is taken.
    /// - Throws: the same errors as ``download(_:to:)``, before any byte is produced.
    public func openDownload(_ bundleID: String) async throws -> BundleDownload {
        let (sealed, cipher, owner) = try await takeDownload(bundleID)
        _ = try BundleChunkReader(sealed, cipher: cipher, bundleID: bundleID)
        return BundleDownload(bundleID: bundleID, sealed: sealed, owner: owner, store: store)
    }

    private func takeDownload(_ bundleID: String) async throws -> (URL, FieldCipher, owner: String) {
        guard let record = try await store.takeDownload(bundleID, at: clock.now()) else {
            throw JobFailure(message: "bundle \(bundleID) has expired, was used up, or does not exist")
        }
        guard let cipher = try await store.fieldCipher(for: record.accountID.description) else {
            throw JobFailure(message: "the customer of bundle \(bundleID) has been erased")
        }
        return (URL(fileURLWithPath: folder).appendingPathComponent(record.path), cipher, record.accountID.description)
    }
}

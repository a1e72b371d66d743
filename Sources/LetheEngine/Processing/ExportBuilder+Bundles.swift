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
        try openChunks(sealed, cipher: cipher, bundleID: bundleID) { try output.write(contentsOf: $0) }
    }

    /// Opens a bundle file chunk by chunk, handing each plain chunk to `write`; every chunk is
    /// authenticated and the last one must be marked last, so a truncated file is refused.
    static func openChunks(
        _ sealed: URL,
        cipher: FieldCipher,
        bundleID: String,
        write: ([UInt8]) throws -> Void
    ) throws {
        let input = try FileHandle(forReadingFrom: sealed)
        defer { try? input.close() }
        guard try input.read(upToCount: magic.count) == magic else { throw JobFailure(message: "not a Lethe bundle") }
        var index = 0
        var pending = try readChunk(input)
        while let box = pending {
            let next = try readChunk(input)
            let field = (next == nil ? "final-" : "chunk-") + String(index)
            try write(try cipher.open(box, at: FieldLocation(record: "export-bundle:\(bundleID)", field: field)))
            pending = next
            index += 1
        }
        guard index > 0 else { throw JobFailure(message: "empty bundle") }
    }

    private static func readChunk(_ input: FileHandle) throws -> [UInt8]? {
        guard let header = try input.read(upToCount: 4), header.count == 4 else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length <= maxChunk + FieldCiphertext.overhead, let box = try input.read(upToCount: length),
            box.count == length
        else {
            throw JobFailure(message: "bundle is truncated or corrupt")
        }
        return Array(box)
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
        let (sealed, cipher) = try await takeDownload(bundleID)
        try Self.decrypt(sealed, to: destination, cipher: cipher, bundleID: bundleID)
    }

    /// Counts a download and decrypts the bundle into memory, for sending over HTTP: the plain ZIP never
    /// touches the disk.
    /// - Throws: the same errors as ``download(_:to:)``.
    public func downloadData(_ bundleID: String) async throws -> Data {
        let (sealed, cipher) = try await takeDownload(bundleID)
        var data = Data()
        try Self.openChunks(sealed, cipher: cipher, bundleID: bundleID) { data.append(contentsOf: $0) }
        return data
    }

    private func takeDownload(_ bundleID: String) async throws -> (URL, FieldCipher) {
        guard let record = try await store.takeDownload(bundleID, at: clock.now()) else {
            throw JobFailure(message: "bundle \(bundleID) has expired, was used up, or does not exist")
        }
        guard let cipher = try await store.fieldCipher(for: record.accountID.description) else {
            throw JobFailure(message: "the customer of bundle \(bundleID) has been erased")
        }
        return (URL(fileURLWithPath: folder).appendingPathComponent(record.path), cipher)
    }
}

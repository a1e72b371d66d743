import Foundation
import LetheCrypto
import LetheStore

/// A counted download of one export bundle, as the plain ZIP's bytes a chunk at a time.
///
/// Nothing is decrypted until the bytes are asked for, and each chunk is read, authenticated and handed
/// on only when the previous one has been taken: a slow client holds one chunk (64 KiB by default) in
/// memory, not the bundle. The checks that need no decryption (the link, the count, the customer's key,
/// the file's header) have run by the time ``ExportBuilder/openDownload(_:)`` returns, so
/// a front end can still answer with an error status; a chunk that fails to authenticate (a file truncated
/// or altered) ends the sequence with an error when it is reached, and the client sees a cut download.
///
/// ```swift
/// let download = try await exporter.openDownload(bundleID)
/// for try await chunk in download { try await writer.write(ByteBuffer(bytes: chunk)) }
/// ```
public struct BundleDownload: AsyncSequence, Sendable {
    /// A run of the plain ZIP's bytes, at most one chunk of the bundle.
    public typealias Element = ArraySlice<UInt8>

    /// The bundle's id, which names the file and binds each chunk's associated data.
    public let bundleID: String
    let sealed: URL
    let owner: String
    let store: any ErasureRepository

    /// Reads and opens the bundle one chunk per call to `next()`.
    public func makeAsyncIterator() -> Iterator { Iterator(download: self) }

    /// The pull side: the file is opened and the key fetched on the first call, then one chunk per call.
    public struct Iterator: AsyncIteratorProtocol {
        let download: BundleDownload
        private var reader: BundleChunkReader?
        private var finished = false

        init(download: BundleDownload) { self.download = download }

        /// The next chunk of plain ZIP bytes, or nil after the last (which was checked to be marked last).
        /// - Throws: `JobFailure` for a truncated or foreign file, or the customer's key gone since the
        ///   download was opened; `CryptoError` for a chunk that does not authenticate.
        public mutating func next() async throws -> ArraySlice<UInt8>? {
            if finished { return nil }
            if reader == nil {
                guard let cipher = try await download.store.fieldCipher(for: download.owner) else {
                    finished = true
                    throw JobFailure(message: "the customer of bundle \(download.bundleID) has been erased")
                }
                reader = try BundleChunkReader(download.sealed, cipher: cipher, bundleID: download.bundleID)
            }
            guard let reader, let chunk = try reader.next() else {
                finished = true
                return nil
            }
            return chunk[...]
        }
    }
}

/// Reads a sealed bundle file chunk by chunk: each chunk is authenticated under its index, and only the
/// last one may be marked last, so a truncated, reordered or foreign file is refused. Not `Sendable`: one
/// reader per download, used from one task.
final class BundleChunkReader {
    private let input: FileHandle
    private let cipher: FieldCipher
    private let bundleID: String
    private var pending: [UInt8]?
    private var index = 0

    /// Opens the file and checks its magic line and first chunk's frame.
    /// - Throws: `JobFailure` for a file that is not a bundle or is empty; a file-system error.
    init(_ sealed: URL, cipher: FieldCipher, bundleID: String) throws {
        input = try FileHandle(forReadingFrom: sealed)
        self.cipher = cipher
        self.bundleID = bundleID
        guard try input.read(upToCount: ExportBuilder.magic.count) == ExportBuilder.magic else {
            throw JobFailure(message: "not a Lethe bundle")
        }
        pending = try readChunk()
        guard pending != nil else { throw JobFailure(message: "empty bundle") }
    }

    deinit { try? input.close() }

    /// The next chunk's plaintext, or nil after the last one.
    /// - Throws: `JobFailure` when the file is truncated or corrupt, `CryptoError` when a chunk fails.
    func next() throws -> [UInt8]? {
        guard let box = pending else { return nil }
        // One chunk of look-ahead: whether this one is the last decides the name it was sealed under.
        let following = try readChunk()
        let field = (following == nil ? "final-" : "chunk-") + String(index)
        let plain = try cipher.open(box, at: FieldLocation(record: "export-bundle:\(bundleID)", field: field))
        pending = following
        index += 1
        return plain
    }

    private func readChunk() throws -> [UInt8]? {
        guard let header = try input.read(upToCount: 4), header.count == 4 else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length <= ExportBuilder.maxChunk + FieldCiphertext.overhead, let box = try input.read(upToCount: length),
            box.count == length
        else {
            throw JobFailure(message: "bundle is truncated or corrupt")
        }
        return Array(box)
    }
}

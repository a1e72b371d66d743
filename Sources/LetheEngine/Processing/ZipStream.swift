import Foundation
import LetheCrypto
import ZIPFoundation

/// Where a bundle's bytes go as they are made: the sealed bundle file, or (for an officer's own export)
/// a plain file the officer named.
protocol BundleSink: AnyObject {
    /// Takes the next bytes of the ZIP.
    func write(_ bytes: Data) throws
}

/// A ZIP written front to back in one pass, so an export never needs a plain copy of its files anywhere:
/// each entry is streamed to the sink as it is made, with its CRC and sizes in a data descriptor after it
/// and in the central directory at the end (APPNOTE.TXT §4.3.9). Entries are stored, not deflated: the
/// bundle is encrypted as it is written, and streaming deflate would need zlib, which ZIPFoundation keeps
/// to itself on Linux. ZIP64 is not written: an entry or a bundle past 4 GiB is refused.
final class ZipStream {
    private struct Entry {
        let name: Data
        let offset: UInt32
        var crc: UInt32 = 0
        var size: UInt64 = 0
    }

    private let sink: any BundleSink
    private let dosTime: UInt16
    private let dosDate: UInt16
    private var offset: UInt64 = 0
    private var entries: [Entry] = []
    private var current: Entry?
    private var hasher: SHA256Hasher?
    private var buffer = Data()

    /// A ZIP whose entries carry `modified` (as the local time of `zone`) and go to `sink`.
    init(to sink: any BundleSink, modified: Date, zone: TimeZone = TimeZone(secondsFromGMT: 0) ?? .current) {
        self.sink = sink
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        let year = max(0, (parts.year ?? 1980) - 1980)
        dosDate = UInt16(truncatingIfNeeded: year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        dosTime = UInt16(
            truncatingIfNeeded: (parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2
        )
    }

    /// Starts the entry `name`; the previous one must be finished.
    func begin(_ name: String) throws {
        guard current == nil else { throw JobFailure(message: "ZIP entry begun before the last one ended") }
        let encoded = Data(name.utf8)
        guard offset <= UInt64(UInt32.max) else { throw JobFailure(message: "export is larger than 4 GiB") }
        current = Entry(name: encoded, offset: UInt32(offset))
        hasher = try SHA256Hasher()
        var header = Data()
        header.le32(0x0403_4b50)
        header.le16(20)  // version needed: 2.0
        header.le16(Self.flags)
        header.le16(0)  // stored
        header.le16(dosTime)
        header.le16(dosDate)
        header.le32(0)  // CRC, compressed and uncompressed sizes: in the data descriptor
        header.le32(0)
        header.le32(0)
        header.le16(UInt16(encoded.count))
        header.le16(0)
        header.append(encoded)
        try emit(header)
    }

    /// Appends text to the current entry.
    func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Appends bytes to the current entry.
    func write(_ bytes: Data) throws {
        guard var entry = current, let hasher else { throw JobFailure(message: "ZIP data outside an entry") }
        entry.crc = bytes.crc32(checksum: entry.crc)
        entry.size += UInt64(bytes.count)
        guard entry.size <= UInt64(UInt32.max) else { throw JobFailure(message: "an export file is larger than 4 GiB") }
        current = entry
        try bytes.withUnsafeBytes { try hasher.update($0) }
        try emit(bytes)
    }

    /// Ends the current entry and returns its SHA-256 in hex, for the manifest.
    func end() throws -> String {
        guard let entry = current, let hasher else { throw JobFailure(message: "no ZIP entry to end") }
        var descriptor = Data()
        descriptor.le32(0x0807_4b50)
        descriptor.le32(entry.crc)
        descriptor.le32(UInt32(entry.size))
        descriptor.le32(UInt32(entry.size))
        try emit(descriptor)
        entries.append(entry)
        current = nil
        self.hasher = nil
        return try hasher.finalizeHex()
    }

    /// Writes the central directory and flushes everything to the sink.
    func finish() throws {
        guard current == nil else { throw JobFailure(message: "ZIP finished inside an entry") }
        let start = offset
        for entry in entries {
            var record = Data()
            record.le32(0x0201_4b50)
            record.le16(0x031e)  // made by: Unix, 3.0
            record.le16(20)
            record.le16(Self.flags)
            record.le16(0)
            record.le16(dosTime)
            record.le16(dosDate)
            record.le32(entry.crc)
            record.le32(UInt32(entry.size))
            record.le32(UInt32(entry.size))
            record.le16(UInt16(entry.name.count))
            record.le16(0)  // extra
            record.le16(0)  // comment
            record.le16(0)  // disk
            record.le16(0)  // internal attributes
            record.le32(UInt32(0o100600) << 16)  // a regular file, readable by its owner only
            record.le32(entry.offset)
            record.append(entry.name)
            try emit(record)
        }
        guard offset <= UInt64(UInt32.max), entries.count < Int(UInt16.max) else {
            throw JobFailure(message: "export is larger than a ZIP without ZIP64 can hold")
        }
        var end = Data()
        end.le32(0x0605_4b50)
        end.le16(0)
        end.le16(0)
        end.le16(UInt16(entries.count))
        end.le16(UInt16(entries.count))
        end.le32(UInt32(offset - start))
        end.le32(UInt32(start))
        end.le16(0)
        try emit(end)
        try flush()
    }

    /// Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8.
    private static let flags: UInt16 = 0x0808

    private func emit(_ bytes: Data) throws {
        buffer.append(bytes)
        offset += UInt64(bytes.count)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

extension Data {
    fileprivate mutating func le16(_ value: UInt16) {
        append(UInt8(value & 0xff))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func le32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xff)) }
    }
}

/// A plain ZIP file at a path the officer chose (`lethe export account --out`), created owner-only.
final class PlainFileSink: BundleSink {
    private let handle: FileHandle

    /// Creates (or replaces) the file, mode 0600.
    init(_ url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw JobFailure(message: "cannot create \(url.lastPathComponent)") }
        handle = try FileHandle(forWritingTo: url)
    }

    func write(_ bytes: Data) throws { try handle.write(contentsOf: bytes) }

    /// Closes the file.
    func close() throws { try handle.close() }
}

/// The sealed bundle file, written as the ZIP is made: `magic ‖ (u32_be length ‖ sealed chunk)*`, chunk n
/// sealed at field `chunk-n` and the last at `final-n`, so reordered, dropped or truncated chunks fail to
/// open. One chunk is held back until the next arrives, because only then is it known not to be the last.
final class SealedBundleSink: BundleSink {
    private let output: FileHandle
    private let cipher: FieldCipher
    private let record: String
    private let chunkSize: Int
    private let hasher: SHA256Hasher
    // An array, compacted after each run of sealed chunks: a `Data` trimmed with `removeFirst` keeps
    // its storage and grows with every append, so the whole bundle would end up in memory.
    private var pending: [UInt8] = []
    private var index = 0

    /// Creates the bundle file (mode 0600) with its magic line.
    init(_ url: URL, cipher: FieldCipher, bundleID: String, chunkSize: Int) throws {
        guard
            FileManager.default.createFile(
                atPath: url.path,
                contents: ExportBuilder.magic,
                attributes: [.posixPermissions: 0o600]
            )
        else { throw JobFailure(message: "cannot create \(url.lastPathComponent)") }
        output = try FileHandle(forWritingTo: url)
        try output.seekToEnd()
        self.cipher = cipher
        record = "export-bundle:\(bundleID)"
        self.chunkSize = max(1, chunkSize)
        hasher = try SHA256Hasher()
    }

    func write(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { try hasher.update($0) }
        pending.append(contentsOf: bytes)
        // Keep more than a chunk back: whatever is left at the end becomes the final chunk.
        var start = 0
        while pending.count - start > chunkSize {
            try seal(pending[start..<start + chunkSize], final: false)
            start += chunkSize
        }
        if start > 0 { pending.removeFirst(start) }
    }

    /// How much memory the held-back bytes occupy: at most about two chunks, however large the bundle.
    var heldCapacity: Int { pending.capacity }

    /// Seals what is left as the final chunk, closes the file and returns the plain ZIP's SHA-256.
    func finish() throws -> String {
        try seal(pending[...], final: true)
        pending.removeAll()
        try output.close()
        return try hasher.finalizeHex()
    }

    private func seal(_ plain: ArraySlice<UInt8>, final: Bool) throws {
        let field = (final ? "final-" : "chunk-") + String(index)
        let box = try cipher.seal(Array(plain), at: FieldLocation(record: record, field: field))
        var length = UInt32(box.count).bigEndian
        try output.write(contentsOf: Data(bytes: &length, count: 4))
        try output.write(contentsOf: box)
        index += 1
    }
}

import Foundation
import LetheCrypto

/// Writes text to a file while hashing it, so each export file gets its SHA-256 without a second read.
final class HashingWriter {
    let url: URL
    private let handle: FileHandle
    private let hasher: SHA256Hasher
    private var buffer = Data()

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw JobFailure(message: "cannot create \(url.lastPathComponent)")
        }
        self.url = url
        handle = try FileHandle(forWritingTo: url)
        hasher = try SHA256Hasher()
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try hasher.update($0) }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Closes the file and returns its SHA-256 in hex.
    func finish() throws -> String {
        try flush()
        try handle.close()
        return try hasher.finalizeHex()
    }
}

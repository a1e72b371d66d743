import Foundation
import LetheCore
import Testing

@testable import LetheEngine

/// The mail folder: one file per message id, owner-only, never half written.
@Suite("Mail folder transport")
struct MailFolderTransportTests {
    @Test("delivering a message again replaces its file: one owner-only file, no temporary left behind")
    func redeliveryReplaces() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-mail-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = MailFolderTransport(folder: folder)
        func envelope(_ body: String) -> Envelope {
            Envelope(
                messageID: "lethe-7",
                notice: .signInCode(code: "123456", expiresInMinutes: 15),
                to: "honora.w@example.org",
                subject: "Your sign-in code",
                body: body,
                createdAt: Date(timeIntervalSince1970: 1_790_000_000)
            )
        }
        try await transport.deliver(envelope(String(repeating: "a long first body ", count: 400)))
        try await transport.deliver(envelope("Your code is 123456."))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files == ["lethe-7.eml"])
        let path = (folder as NSString).appendingPathComponent("lethe-7.eml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\r\nYour code is 123456.\r\n"))
        #expect(!text.contains("a long first body"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

import Foundation
import Testing

@Suite("The four request kinds end to end from the CLI, on demo data")
struct ProcessingCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-proc-\(UUID().uuidString)").path

    func lethe(_ arguments: [String]) throws -> LetheBinary.Result {
        try LetheBinary.run(
            arguments + ["--data", folder],
            environment: ["LETHE_EXPORTS": (folder as NSString).appendingPathComponent("Exports")]
        )
    }

    /// The customer's six-digit code for `request`, read from the mail folder.
    func code(_ request: String) throws -> String {
        let mail = (folder as NSString).appendingPathComponent("mail")
        let texts = try FileManager.default.contentsOfDirectory(atPath: mail).map {
            try String(contentsOfFile: (mail as NSString).appendingPathComponent($0), encoding: .utf8)
        }
        let message = try #require(
            texts.first { $0.contains("X-Lethe-Kind: verification-code") && $0.contains(request) }
        )
        return try #require(message.components(separatedBy: " is ").dropFirst().first.map { String($0.prefix(6)) })
    }

    /// Submits a request of `kind` for `account`, verifies it with the mailed code and approves it.
    func submitVerifyApprove(_ kind: String, _ account: String) throws -> String {
        let submitted = try lethe(["requests", "submit", "--kind", kind, "--account", account, "--channel", "web"])
        let request = try #require(
            submitted.stdout.split(separator: " ").dropFirst().first.map(String.init),
            "\(submitted.stderr)"
        )
        #expect(try lethe(["requests", "verify", request, "--code", try code(request)]).status == 0)
        #expect(try lethe(["requests", "approve", request, "--agent", "officer-1"]).status == 0)
        return request
    }

    /// Creates one demo account and returns its id, read from its first record note.
    func demoAccount() throws -> String {
        #expect(try lethe(["demo", "--accounts", "1"]).status == 0)
        return try #require(
            try lethe(["accounts", "notes", "--limit", "1"]).stdout.split(
                separator: " ",
                omittingEmptySubsequences: true
            )
            .dropFirst().first.map(String.init)
        )
    }

    @Test("A correction is submitted, shown to the officer, accepted and applied from the command line")
    func correction() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let account = try demoAccount()
        let submitted = try lethe([
            "requests", "submit", "--kind", "correction", "--account", account, "--channel", "web",
            "--correct", "full-name", "--to", "Ada Lovelace-King", "--statement", "Married in June.",
        ])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let request = try #require(submitted.stdout.split(separator: " ").dropFirst().first.map(String.init))
        let shown = try lethe(["requests", "show", request]).stdout
        #expect(shown.contains("Correction       full-name to read: Ada Lovelace-King"))
        #expect(shown.contains("Statement        Married in June."))
        #expect(try lethe(["requests", "verify", request, "--code", try code(request)]).status == 0)
        #expect(try lethe(["requests", "approve", request, "--agent", "officer-1"]).status == 0)
        #expect(try lethe(["jobs", "run"]).stdout.contains("1 done"))
        #expect(try lethe(["requests", "show", request]).stdout.contains("Status           completed"))
        let name = try lethe([
            "accounts", "show", account, "--reveal", "full-name", "--reason", "check the correction",
        ])
        #expect(name.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Ada Lovelace-King")
    }

    @Test("A refused request is appealed from the command line; both requests show the link")
    func appeal() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let account = try demoAccount()
        let submitted = try lethe([
            "requests", "submit", "--kind", "export", "--account", account, "--channel", "web", "--jurisdiction",
            "us-va",
        ])
        let refused = try #require(submitted.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(try lethe(["requests", "verify", refused, "--code", try code(refused)]).status == 0)
        let denied = try lethe([
            "requests", "deny", refused, "--basis", "other", "--reason", "Nothing of that kind is held.", "--agent",
            "officer-1",
        ])
        #expect(denied.status == 0, "\(denied.stderr)")
        let lodged = try lethe([
            "requests", "submit", "--kind", "appeal", "--appeal-of", refused, "--grounds", "I have orders with you.",
        ])
        #expect(lodged.status == 0, "\(lodged.stderr)")
        let appeal = try #require(lodged.stdout.split(separator: " ").dropFirst().first.map(String.init))
        let shown = try lethe(["requests", "show", appeal]).stdout
        #expect(shown.contains("(appeal, appeal)"))
        #expect(shown.contains("Appeal of        \(refused)"))
        #expect(shown.contains("Grounds          I have orders with you."))
        #expect(shown.contains("Va. Code §59.1-577(C)"))
        #expect(try lethe(["requests", "show", refused]).stdout.contains("Appealed by      \(appeal)"))
        // Lodged twice, it is the same appeal.
        let again = try lethe(["requests", "submit", "--kind", "appeal", "--appeal-of", refused])
        #expect(again.stdout.contains(appeal))
    }

    @Test("Export, consent change, deactivation and deletion each complete from the command line")
    func fourKinds() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "4"]).status == 0)
        let accounts = try lethe(["accounts", "notes", "--limit", "100"]).stdout.split(separator: "\n")
            .compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) }
        let distinct = Array(Set(accounts)).sorted()
        #expect(distinct.count == 4)

        // Export: the bundle is built by the job and downloadable while its link is valid.
        let export = try submitVerifyApprove("export", distinct[0])
        #expect(try lethe(["jobs", "run"]).stdout.contains("1 done"))
        let shown = try lethe(["requests", "show", export]).stdout
        #expect(shown.contains("Status           completed"))
        let bundle = try #require(
            shown.components(separatedBy: "bundle ").dropFirst().first?.split(separator: ",").first.map(String.init)
        )
        let zip = (folder as NSString).appendingPathComponent("export.zip")
        let download = try lethe(["export", "download", bundle, "--out", zip])
        #expect(download.status == 0, "\(download.stderr)")
        let header = try #require(FileHandle(forReadingAtPath: zip)?.readData(ofLength: 4))
        #expect(header == Data([0x50, 0x4B, 0x03, 0x04]))  // a ZIP
        // An officer's plain export is owner-only, like every other file holding data in the clear.
        let plain = (folder as NSString).appendingPathComponent("officer.zip")
        let officer = try lethe([
            "export", "account", distinct[0], "--out", plain, "--reason", "subject access by post",
        ])
        #expect(officer.status == 0, "\(officer.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: plain)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Consent change: the withdrawal is applied at once.
        let consent = try lethe([
            "requests", "submit", "--kind", "consent-change", "--account", distinct[1], "--channel", "web",
            "--withdraw", "marketing-email",
        ])
        #expect(consent.stdout.contains("(completed)"), "\(consent.stdout) \(consent.stderr)")

        // Deactivation: the account is suspended, not erased.
        _ = try submitVerifyApprove("deactivation", distinct[2])
        #expect(try lethe(["jobs", "run"]).status == 0)
        #expect(try lethe(["accounts", "show", distinct[2]]).stdout.contains("(deactivated)"))

        // Deletion: grace period, then erasure when its day comes.
        let deletion = try submitVerifyApprove("deletion", distinct[3])
        #expect(try lethe(["jobs", "run"]).status == 0)
        #expect(try lethe(["accounts", "show", distinct[3]]).stdout.contains("(pending-deletion)"))
        let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(20 * 86_400))
        #expect(try lethe(["jobs", "run", "--as-of", later]).status == 0)
        let gone = try lethe(["accounts", "show", distinct[3]])
        #expect(gone.status == 2 && gone.stderr.contains("no account"))
        #expect(try lethe(["requests", "show", deletion]).stdout.contains("Status           completed"))
        #expect(try lethe(["audit", "verify"]).status == 0)
    }
}

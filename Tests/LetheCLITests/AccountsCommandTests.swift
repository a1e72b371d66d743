import Foundation
import Testing

@Suite("lethe demo, accounts and keys on a data folder")
struct AccountsCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-cli-\(UUID().uuidString)").path

    func lethe(_ arguments: [String]) throws -> LetheBinary.Result {
        try LetheBinary.run(arguments + ["--data", folder])
    }

    @Test("demo loads accounts with a warned development key; show masks; update without verification is held")
    func demoThenShow() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let demo = try lethe(["demo", "--accounts", "12"])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stderr.contains("DEVELOPMENT master key"))
        #expect(demo.stdout.contains("loaded 12 accounts"))
        let id = try #require(
            demo.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        )
        #expect(id.hasPrefix("TR-"))
        let show = try lethe(["accounts", "show", id])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("***@example."))
        let held = try lethe([
            "accounts", "update", id, "--email", "someone.new@example.com", "--reason", "asked by phone", "--agent",
            "a1",
        ])
        #expect(held.status == 0)
        #expect(held.stdout.contains("held for a supervisor"))
        let queue = try lethe(["accounts", "escalations"])
        #expect(queue.stdout.contains(id))
        // A second demo into the same folder is refused rather than mixed in.
        let again = try lethe(["demo", "--accounts", "3"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds 12 accounts"))
    }

    @Test("create, verified update, notes and an audited reveal")
    func createAndChange() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try LetheBinary.run(["keys", "init", "--data", folder])
        let created = try lethe([
            "accounts", "create", "--name", "Perpetua Larkspur", "--email", "perpetua@example.org", "--phone",
            "+44 20 7946 0123",
            "--residence", "uk-gdpr", "--address", "home;4 Lantern Yard;;Exampleton;EX1 2QZ;GB", "--security-answer",
            "Otter",
            "--agent", "a1",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let update = try lethe([
            "accounts", "update", id, "--verify-answer", "otter", "--phone", "+44 20 7946 0999", "--reason",
            "New number",
            "--reference", "TICKET-5", "--agent", "a2",
        ])
        #expect(update.stdout.contains("changed phone"), "\(update.stdout) \(update.stderr)")
        let notes = try lethe(["accounts", "notes", "--author", "a2"])
        #expect(notes.stdout.contains("[phone] verified by a2 via security-questions  TICKET-5  New number"))
        let refused = try lethe(["accounts", "show", id, "--reveal", "phone"])
        #expect(refused.status == 2)
        let revealed = try lethe([
            "accounts", "show", id, "--reveal", "phone", "--reason", "caller cannot read it", "--agent", "a3",
        ])
        #expect(revealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "+442079460999")
        let bad = try lethe(["accounts", "show", "TR-123"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("'TR-123' is not an account id"))
    }

    /// The first account id `lethe demo` printed a hint for.
    func demoAccount() throws -> String? {
        try lethe(["accounts", "notes", "--limit", "50"]).stdout.firstMatch(of: /TR-[0-9]{5}/).map { String($0.output) }
    }

    @Test("keys rotate rewraps every data key and reindexes; retire refuses while a version is in use")
    func rotation() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "5"]).status == 0)
        let early = try lethe(["keys", "retire", "1"])
        #expect(early.status == 1)
        #expect(early.stderr.contains("still wraps 5 data keys"))
        let account = try #require(try demoAccount())
        let revealed = try lethe(["accounts", "show", account, "--reveal", "email", "--reason", "test"])
        let email = try #require(revealed.stdout.split(separator: "\n").first.map(String.init))
        let rotate = try lethe(["keys", "rotate", "--batch", "2"])
        #expect(
            rotate.stdout.contains("primary master key is v2; rewrapped 5 data keys and reindexed 5 accounts"),
            "\(rotate.stdout) \(rotate.stderr)"
        )
        // Lookups by email still find the customer: a request by email is taken for their account.
        let submitted = try lethe(["requests", "submit", "--kind", "export", "--email", email, "--channel", "email"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(!submitted.stdout.contains("not matched"))
        let retired = try lethe(["keys", "retire", "1"])
        #expect(retired.status == 0, "\(retired.stderr)")
        #expect(retired.stdout.contains("re-MACed"))
        let verified = try lethe(["audit", "verify"])
        #expect(verified.status == 0, "the audit trail must verify after retiring v1: \(verified.stderr)")
        let status = try lethe(["keys", "status"])
        #expect(status.stdout.contains("v2  primary"))
        #expect(!status.stdout.contains("v1"))
        let demoID = try lethe(["accounts", "notes", "--limit", "1"])
        #expect(demoID.status == 0, "reads must still work after retiring v1: \(demoID.stderr)")
    }
}

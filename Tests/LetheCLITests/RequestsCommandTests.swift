import Foundation
import LetheTestSupport
import Testing

@Suite("lethe requests and audit, end to end")
struct RequestsCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-req-\(UUID().uuidString)").path

    func lethe(_ arguments: [String], data: String? = nil) throws -> LetheBinary.Result {
        try LetheBinary.run(arguments + ["--data", data ?? folder])
    }

    /// Runs `sql` against the SQLite file in `data` behind Lethe's back, as an attacker with the file would;
    /// returns the exit status.
    static func tamper(_ sql: String, sqliteIn data: String) throws -> Int32 {
        let tamper = Process()
        tamper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tamper.arguments = [
            "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
            (data as NSString).appendingPathComponent("lethe.sqlite"), sql,
        ]
        try tamper.run()
        tamper.waitUntilExit()
        return tamper.terminationStatus
    }

    /// The code in the newest verification email for `request`, read from the mail folder as a customer would.
    func codeFromMail(_ request: String) throws -> String {
        let mail = (folder as NSString).appendingPathComponent("mail")
        let texts = try FileManager.default.contentsOfDirectory(atPath: mail).filter { $0.hasSuffix(".eml") }.sorted()
            .map {
                try String(contentsOfFile: (mail as NSString).appendingPathComponent($0), encoding: .utf8)
            }
        let message = try #require(
            texts.last { $0.contains("X-Lethe-Kind: verification-code") && $0.contains(request) }
        )
        let code = try #require(message.components(separatedBy: " is ").dropFirst().first.map { String($0.prefix(6)) })
        return code
    }

    @Test(
        "a value outside Lethe's vocabularies is refused in one line, exit 2, naming the allowed values",
        arguments: [
            (["requests", "submit", "--kind", "erasure", "--email", "a@example.org"], "'--kind <kind>'", "deletion"),
            (
                ["requests", "submit", "--kind", "export", "--channel", "fax"], "'--channel <channel>'",
                "opt-out-signal"
            ),
            (["requests", "list", "--status", "open"], "'--status <status>'", "awaiting-verification"),
            (["requests", "deny", "R-1", "--basis", "because", "--reason", "x"], "'--basis <basis>'", "exemption"),
            (["requests", "pause", "R-1", "--reason", "holiday"], "'--reason <reason>'", "clarification"),
            (
                ["holds", "add", "TR-00001", "--reason", "x", "--category", "secrets"], "'--category <category>'",
                "orders"
            ),
            (["staff", "add", "eve", "--role", "root"], "'--role <role>'", "auditor"),
            (
                ["requests", "submit", "--kind", "consent-change", "--withdraw", "sms", "--give", "sms"],
                "both withdrawn and given", "sms"
            ),
            (
                ["requests", "submit", "--kind", "correction", "--account", "TR-00001"], "--kind correction",
                "--correct"
            ),
            (
                ["requests", "submit", "--kind", "correction", "--correct", "nickname", "--to", "x"],
                "'--correct <correct>'", "full-name"
            ),
            (
                ["requests", "submit", "--kind", "correction", "--correct", "address", "--to", "a;b;;c;d;GB"],
                "--address-id", "--correct address"
            ),
            (
                ["requests", "settle", "R-1", "--recipient", "acme", "--status", "acknowledged", "--note", "x"],
                "--status must be manual or impossible", "manual"
            ),
        ]
    )
    func vocabularyRefused(arguments: [String], names: String, allowed: String) throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try lethe(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(names) && result.stderr.contains(allowed), "\(result.stderr)")
        // Refused while parsing: no data folder was even opened.
        #expect(!FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("lethe.sqlite")))
    }

    @Test(
        "Submit, verify with the code from the mail folder, work it, read its timeline; audit verify catches tampering"
    )
    func fullPath() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["keys", "init"]).status == 0)
        let created = try lethe([
            "accounts", "create", "--name", "Ambrose Oakhurst", "--email", "ambrose@example.org", "--residence",
            "uk-gdpr",
            "--security-answer", "Biscuit",
        ])
        let account = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let submitted = try lethe([
            "requests", "submit", "--kind", "deletion", "--account", account, "--channel", "web", "--received",
            "2026-09-03T10:00:00Z",
            "--idempotency-key", "form-1",
        ])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let request = try #require(submitted.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(request.hasPrefix("R-20260903-"))
        #expect(submitted.stdout.contains("Respond by       2026-10-05"))
        let repeated = try lethe([
            "requests", "submit", "--kind", "deletion", "--account", account, "--idempotency-key", "form-1",
        ])
        #expect(repeated.stdout.contains("request \(request) already received"))

        let wrong = try lethe(["requests", "verify", request, "--code", "999999"])
        #expect(wrong.status == 2)
        let code = try codeFromMail(request)
        let verified = try lethe(["requests", "verify", request, "--code", code])
        #expect(verified.stdout.contains("verified by code"), "\(verified.stderr)")
        #expect(try lethe(["requests", "approve", request, "--agent", "officer-1"]).status == 0)
        let listing = try lethe(["requests", "list"])
        #expect(listing.stdout.contains(request))
        #expect(listing.stdout.contains("in-progress"))
        #expect(
            try lethe(["requests", "complete", request, "--summary", "Erased", "--agent", "officer-1"]).status == 0
        )
        let shown = try lethe(["requests", "show", request])
        #expect(shown.stdout.contains("awaiting-verification -> verified  by customer"))
        #expect(shown.stdout.contains("in-progress -> completed  by staff:officer-1"))
        #expect(shown.stdout.contains("UK GDPR Art 12(3)"))

        let verify = try lethe(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("audit chain intact"))
        let trail = try lethe(["audit", "show", "--request", request])
        #expect(trail.stdout.contains("request.completed"))

        // A tampered database fails verification, naming the entry.
        let tampering = "UPDATE audit_log SET actor='staff:mallory' WHERE seq=2"
        let broken: LetheBinary.Result
        if TestBackend.isPostgres {
            try ThrowawayPostgres.execute(tampering, forFolder: folder)
            broken = try lethe(["audit", "verify"])
        } else {
            let copy = folder + "-tampered"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            try FileManager.default.copyItem(atPath: folder, toPath: copy)
            #expect(try Self.tamper(tampering, sqliteIn: copy) == 0)
            broken = try lethe(["audit", "verify"], data: copy)
        }
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("broken at entry 2"))
    }

    @Test("audit verify prints the anchored head, and deleting the newest entries is named as a cut")
    func auditTruncation() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["keys", "init"]).status == 0)
        for n in 1...3 {
            let created = try lethe([
                "accounts", "create", "--name", "Cut Test \(n)", "--email", "cut\(n)@example.org", "--residence",
                "uk-gdpr",
            ])
            #expect(created.status == 0, "\(created.stderr)")
        }
        let intact = try lethe(["audit", "verify"])
        #expect(intact.status == 0, "\(intact.stderr)")
        let headLine = try #require(intact.stdout.split(separator: "\n").first { $0.hasPrefix("audit head: entry ") })
        let head = try #require(Int(headLine.dropFirst("audit head: entry ".count).prefix { $0.isNumber }))
        #expect(head >= 3)
        let cut = "DELETE FROM audit_log WHERE seq >= \(head - 1)"
        if TestBackend.isPostgres {
            try ThrowawayPostgres.execute(cut, forFolder: folder)
        } else {
            #expect(try Self.tamper(cut, sqliteIn: folder) == 0)
        }
        let broken = try lethe(["audit", "verify"])
        #expect(broken.status == 1)
        #expect(
            broken.stderr.contains("audit chain cut: entries \(head - 1) to \(head) are missing"),
            "\(broken.stderr)"
        )
    }
}

@Suite("lethe requests agent-permission and settle")
struct OfficerRecordCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-rec-\(UUID().uuidString)").path

    func lethe(_ arguments: [String], input: String? = nil) throws -> LetheBinary.Result {
        try LetheBinary.run(arguments + ["--data", folder], input: input)
    }

    func account(_ email: String, residence: String) throws -> String {
        let created = try lethe([
            "accounts", "create", "--name", "Rowan Settle", "--email", email, "--residence", residence,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("an officer records an authorized agent's permission; the request waits for the customer's confirmation")
    func agentPermission() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["keys", "init"]).status == 0)
        let account = try account("rowan.agent@example.org", residence: "us-ca")
        let submitted = try lethe([
            "requests", "submit", "--kind", "export", "--account", account, "--channel", "authorized-agent",
            "--authorized-agent", "CR_AA_TEST_001",
        ])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let request = try #require(submitted.stdout.split(separator: " ").dropFirst().first.map(String.init))
        let recorded = try lethe([
            "requests", "agent-permission", request, "--proof", "signed authorisation ref 42", "--agent", "officer-1",
        ])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stdout.contains("permission recorded for \(request) (awaiting-verification)"))
        #expect(try lethe(["requests", "show", request]).stdout.contains("Status           awaiting-verification"))
        let missing = try lethe(["requests", "agent-permission", request, "--proof", " "])
        #expect(missing.status != 0)
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    @Test("an officer settles a recipient by hand and the opt-out that waited for it completes")
    func settleRecipient() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["keys", "init"]).status == 0)
        let account = try account("rowan.settle@example.org", residence: "us-ca")
        // A recipient nobody can reach: its notice stays pending until an officer records what was done.
        let added = try lethe(
            [
                "recipients", "add", "--id", "acme-ads", "--name", "Acme Ads", "--category", "contact", "--url",
                "http://127.0.0.1:9/hook",
            ],
            input: "a-signing-secret-of-enough-length-000000\n"
        )
        #expect(added.status == 0, "\(added.stderr)")
        let submitted = try lethe([
            "requests", "submit", "--kind", "consent-change", "--deadline-kind", "opt-out-of-sale", "--account",
            account, "--channel", "web", "--withdraw", "sale-or-sharing",
        ])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let request = try #require(submitted.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(try lethe(["requests", "show", request]).stdout.contains("in-progress"))

        let refused = try lethe([
            "requests", "settle", request, "--recipient", "acme-ads", "--status", "acknowledged", "--note", "x",
        ])
        #expect(refused.status != 0)
        let settled = try lethe([
            "requests", "settle", request, "--recipient", "acme-ads", "--status", "manual", "--note",
            "opt-out entered in their portal by hand",
        ])
        #expect(settled.status == 0, "\(settled.stderr)")
        #expect(settled.stdout.contains("acme-ads settled as manual for \(request)"))
        let shown = try lethe(["requests", "show", request])
        #expect(shown.stdout.contains("Status           completed"), "\(shown.stdout)")
        let again = try lethe([
            "requests", "settle", request, "--recipient", "acme-ads", "--status", "manual", "--note", "twice",
        ])
        #expect(again.status != 0)
    }
}

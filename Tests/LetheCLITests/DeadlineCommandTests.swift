import Foundation
import Testing

@Suite("lethe deadline")
struct DeadlineCommandTests {
    @Test("Answers the ICO's example as text, with the rule and its citation")
    func icoExampleText() throws {
        let result = try LetheBinary.run([
            "deadline", "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2024-09-03",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Respond by       2024-10-03"))
        #expect(result.stdout.contains("UK GDPR Art 12(3)"))
        #expect(result.stdout.contains("Internal target  2024-10-01"))
    }

    @Test(
        "an offset outside ±18:00 or a malformed one is refused in one line, not read as another day",
        arguments: ["2026-09-03T23:30:00+99:99", "2026-09-03T23:30:00+24:00", "2026-09-03T23:30:00+2:00"]
    )
    func badOffsets(received: String) throws {
        let result = try LetheBinary.run([
            "deadline", "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", received,
        ])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("±18:00"))
    }

    struct Schedule: Decodable {
        struct Due: Decodable {
            let due: String
            let citation: String
        }
        let receiptDate: String
        let response: Due
        let extended: Due?
        let acknowledgement: Due?
        let internalTarget: String
        let pausedDays: Int
    }

    @Test("--json prints one object with ISO dates, including a valid extension and a pause")
    func json() throws {
        let result = try LetheBinary.run([
            "deadline", "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2026-11-14T10:00:00Z",
            "--paused", "2026-11-16..2026-12-16", "--extension-notice", "2026-11-20T09:00:00Z",
            "--reason", "Six systems to search", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let schedule = try JSONDecoder().decode(Schedule.self, from: Data(result.stdout.utf8))
        #expect(schedule.receiptDate == "2026-11-14")
        #expect(schedule.pausedDays == 31)
        #expect(schedule.response.due == "2027-01-14")
        // Three months from 14 November is 14 February 2027; plus 31 paused days, 17 March.
        #expect(schedule.extended?.due == "2027-03-17")
    }

    @Test("The CCPA acknowledgement and response are separate timers")
    func ccpaTimers() throws {
        let result = try LetheBinary.run([
            "deadline", "--jurisdiction", "us-ca", "--kind", "deletion", "--received", "2026-11-20T20:00:00Z", "--json",
        ])
        let schedule = try JSONDecoder().decode(Schedule.self, from: Data(result.stdout.utf8))
        #expect(schedule.acknowledgement?.due == "2026-12-08")
        #expect(schedule.response.due == "2027-01-04")
    }

    @Test(
        "Bad input is one line on stderr naming the problem, exit status 2, nothing on stdout",
        arguments: [
            (["--jurisdiction", "xx", "--kind", "access", "--received", "2026-01-01"], "unknown jurisdiction 'xx'"),
            (["--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "3/9/2026"], "--received '3/9/2026'"),
            (
                ["--jurisdiction", "uk-gdpr", "--kind", "acess", "--received", "2026-01-01"],
                "The value 'acess' is invalid for '--kind <kind>'"
            ),
            (
                [
                    "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2024-09-03",
                    "--extension-notice", "2024-10-04", "--reason", "late",
                ], "too late"
            ),
            (
                [
                    "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2024-09-03", "--extension-notice",
                    "2024-09-04",
                ],
                "needs --reason"
            ),
            (["--jurisdiction", "uk-gdpr", "--kind", "access"], "Missing expected argument"),
            (
                ["--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2024-09-03", "--paused", "x"],
                "FROM..TO"
            ),
        ]
    )
    func badInput(arguments: [String], message: String) throws {
        let result = try LetheBinary.run(["deadline"] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.hasPrefix("lethe: error: "))
    }
}

@Suite("lethe policies")
struct PoliciesCommandTests {
    @Test("check passes on the shipped policies")
    func checkPasses() throws {
        let result = try LetheBinary.run(["policies", "check"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("policies OK"))
    }

    @Test("check follows a policy folder linked in from elsewhere")
    func checkFollowsSymlink() throws {
        let link = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lethe-policies-link-\(UUID().uuidString)"
        )
        defer { try? FileManager.default.removeItem(at: link) }
        try FileManager.default.createSymbolicLink(
            at: link,
            withDestinationURL: LetheBinary.packageRoot.appendingPathComponent("Sources/LetheEngine/Policies")
        )
        let result = try LetheBinary.run(["policies", "check", "--dir", link.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("policies OK"))
    }

    @Test("check fails on a broken copy with file, line and problem, exit 1")
    func checkFailsOnBrokenCopy() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-policies-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(
            at: LetheBinary.packageRoot.appendingPathComponent("Sources/LetheEngine/Policies"),
            to: copy
        )
        let file = copy.appendingPathComponent("jurisdictions/us-va.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "internal-target: {days: 30}", with: "internal-target: {days: -30}")
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try LetheBinary.run(["policies", "check", "--policies", copy.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("jurisdictions/us-va.yaml:"))
        #expect(result.stderr.contains("must not be negative, got -30"))
        #expect(result.stderr.contains("1 problem in"))
    }

    struct Listing: Decodable {
        struct Jurisdiction: Decodable {
            let id: String
            let kinds: [String]
        }
        struct Calendar: Decodable { let id: String }
        let jurisdictions: [Jurisdiction]
        let calendars: [Calendar]
    }

    @Test("list --json names jurisdictions, their kinds, and calendars by id")
    func listJSON() throws {
        let result = try LetheBinary.run(["policies", "list", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let listing = try JSONDecoder().decode(Listing.self, from: Data(result.stdout.utf8))
        // 14 first, the 12 state laws of 2025-2026, then 7 laws outside the United States.
        #expect(listing.jurisdictions.count == 33)
        #expect(listing.jurisdictions.first { $0.id == "us-can-spam" }?.kinds == ["marketing-unsubscribe"])
        #expect(listing.calendars.map(\.id).contains("england-wales"))
    }

    @Test("A missing policy directory is a clear error that names the real flag")
    func missingDirectory() throws {
        let result = try LetheBinary.run(["policies", "list", "--dir", "/nonexistent/policies"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not exist"))
        #expect(result.stderr.contains("--policies"))
        let served = try LetheBinary.run([
            "deadline", "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2024-09-03", "--policies",
            "/nonexistent/policies",
        ])
        #expect(served.status == 1)
        #expect(served.stderr.contains("pass --policies or set LETHE_POLICIES"), "\(served.stderr)")
    }

    @Test("outside the checkout, with no policy folder given, lethe uses the policies it ships with")
    func shippedPoliciesWorkAnywhere() throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lethe-anywhere-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let listed = try LetheBinary.run(["policies", "list", "--json"], in: elsewhere)
        #expect(listed.status == 0, "\(listed.stderr)")
        let listing = try JSONDecoder().decode(Listing.self, from: Data(listed.stdout.utf8))
        #expect(listing.jurisdictions.contains { $0.id == "uk-gdpr" })
        let answered = try LetheBinary.run(
            ["deadline", "--jurisdiction", "uk-gdpr", "--kind", "access", "--received", "2024-09-03"],
            in: elsewhere
        )
        #expect(answered.status == 0, "\(answered.stderr)")
        #expect(answered.stdout.contains("Respond by       2024-10-03"))
    }
}

@Suite("lethe keys")
struct KeysCommandTests {
    @Test("init writes a 0600 keyring once and refuses to overwrite it")
    func initOnce() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("data/master.key").path
        let first = try LetheBinary.run(["keys", "init", "--key-file", path])
        #expect(first.status == 0, "\(first.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.contains("lethe-master-keyring/1"))
        struct KeyFile: Decodable {
            struct Entry: Decodable { let key: String }
            let keys: [Entry]
        }
        let key = try #require(try JSONDecoder().decode(KeyFile.self, from: Data(contents.utf8)).keys.first).key
        #expect(!first.stdout.contains(key) && !first.stderr.contains(key))
        let second = try LetheBinary.run(["keys", "init", "--key-file", path])
        #expect(second.status == 2)
        #expect(second.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
    }
}

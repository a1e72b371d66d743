import Foundation
import LetheTestSupport
import Testing

/// `lethe migrate`: an embedded deployment moved into PostgreSQL, verified, and working there.
@Suite("lethe migrate", .serialized, .enabled(if: TestBackend.isPostgres))
struct MigrateCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-migrate-\(UUID().uuidString)")
        .path

    /// `lethe` on the SQLite store of the folder (an empty URL keeps it off PostgreSQL), or on `database`.
    func lethe(_ arguments: [String], database: String = "") throws -> LetheBinary.Result {
        try LetheBinary.run(arguments + ["--data", folder], environment: ["LETHE_DATABASE_URL": database])
    }

    @Test("A demo deployment moves into an empty database with equal counts and an intact chain, and keeps working")
    func migrateDemo() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lethe(["demo", "--accounts", "24"]).status == 0)
        #expect(try lethe(["audit", "verify"]).status == 0)
        let target = try #require(try TestBackend.databaseURL(forFolder: folder + "-target"))

        let migrated = try lethe(["migrate", "--to", target])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("accounts: 24 → 24"))
        #expect(migrated.stdout.contains("row counts match; audit chain intact"))
        #expect(!migrated.stdout.contains(target))  // the URL is shown without secrets or options

        // The service runs on the copy: reads decrypt, and new rows continue the copied ids.
        let listed = try lethe(["accounts", "notes", "--limit", "100"], database: target)
        #expect(listed.status == 0)
        #expect(listed.stdout.split(separator: "\n").count >= 24)
        let created = try lethe(
            [
                "accounts", "create", "--name", "Ottoline Marsh", "--email", "ottoline@example.org", "--residence",
                "uk-gdpr", "--security-answer", "Heron", "--agent", "a1",
            ],
            database: target
        )
        #expect(created.status == 0, "\(created.stderr)")
        let verify = try lethe(["audit", "verify"], database: target)
        #expect(verify.status == 0, "\(verify.stderr)")

        // A second copy into a database that holds data is refused, and changes nothing.
        let again = try lethe(["migrate", "--to", target])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds data"))
        #expect(try lethe(["audit", "verify"], database: target).status == 0)
        // The SQLite store is left as it was.
        #expect(try lethe(["audit", "verify"]).status == 0)
    }
}

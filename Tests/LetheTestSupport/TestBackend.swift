import Foundation
import LetheCrypto
import LetheStore

/// Which store the whole suite runs on: SQLite by default, PostgreSQL when `LETHE_TEST_BACKEND=postgres`
/// (the README's test command runs the suite both ways). Tests that open a store go through here, and
/// so do the `lethe` processes the command-line tests start.
public enum TestBackend {
    public static var isPostgres: Bool {
        ProcessInfo.processInfo.environment["LETHE_TEST_BACKEND"] == "postgres"
    }

    /// The store of a test folder: SQLite in the folder, or the folder's database on the test server.
    public static func openStore(
        folder: String,
        vault: KeyVault,
        faults: StoreFaults = StoreFaults()
    ) async throws -> SQLStore {
        guard isPostgres else { return try SQLStore(folder: folder, vault: vault, faults: faults) }
        // The folder is the test's workspace (keys, exports, mail, listeners' logs) on either engine.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try await SQLStore.postgres(
            try ThrowawayPostgres.database(forFolder: folder),
            vault: vault,
            faults: faults
        )
    }

    /// The URL of a test folder's database, for a `Runtime` or a `lethe` process; nil on SQLite.
    public static func databaseURL(forFolder folder: String) throws -> String? {
        guard isPostgres else { return nil }
        return ThrowawayPostgres.url(try ThrowawayPostgres.database(forFolder: folder))
    }

    /// `LETHE_DATABASE_URL` for a `lethe` process working on `--data folder`, when on PostgreSQL.
    public static func environment(forFolder folder: String) throws -> [String: String] {
        try databaseURL(forFolder: folder).map { ["LETHE_DATABASE_URL": $0] } ?? [:]
    }
}

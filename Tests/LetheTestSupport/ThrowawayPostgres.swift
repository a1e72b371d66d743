import Foundation
import LetheStore
import Synchronization

/// A PostgreSQL server for the tests: the one `LETHE_TEST_DATABASE_URL` names, or else a throwaway
/// server this process starts itself (initdb and pg_ctl in a temporary folder, listening only on a
/// Unix socket there, so it can clash with no other server). A watchdog stops it and removes the
/// folder once the test process is gone, however it ends. Each test folder gets a database of its own,
/// so a test and the `lethe` processes it starts on the same `--data` folder share one database.
///
/// Synchronous on purpose: the command-line tests start `lethe` from synchronous code.
public enum ThrowawayPostgres {
    private struct State {
        var server: Result<PostgresSettings, any Error>?
        var dataFolder: String?
        var databases: [String: String] = [:]
        /// Every name ever tried, so a failed CREATE DATABASE never hands its name to the next folder.
        var attempts = 0
    }
    private static let state = Mutex(State())
    /// `shell` passes its command through the process environment, which every thread shares: two
    /// commands at once would run one of them twice and the other never (a tamper test's UPDATE
    /// became a second CREATE DATABASE). One command at a time.
    private static let shellTurn = Mutex(())

    /// The throwaway server's data folder (nil when the tests use another server).
    public static var dataFolder: String? {
        get throws {
            _ = try serverSettings()
            return state.withLock { $0.dataFolder }
        }
    }

    /// A new, empty database on the test server.
    public static func freshDatabase() throws -> PostgresSettings {
        try database(forFolder: temporaryFolder("lethe-db"))
    }

    /// The database of a test folder, created on first use.
    public static func database(forFolder folder: String) throws -> PostgresSettings {
        let base = try serverSettings()
        let name = try state.withLock { state -> String in
            if let name = state.databases[folder] { return name }
            state.attempts += 1
            let name = "lethe_t\(ProcessInfo.processInfo.processIdentifier)_\(state.attempts)"
            try shell(psql(base) + " -c 'CREATE DATABASE \(name)'")
            state.databases[folder] = name
            return name
        }
        var settings = base
        settings.database = name
        settings.poolSize = 4
        return settings
    }

    /// Runs SQL with psql on a test folder's database, as someone with direct access to the server would.
    public static func execute(_ sql: String, forFolder folder: String) throws {
        let settings = try database(forFolder: folder)
        try shell(
            psql(settings).replacingOccurrences(of: "-d postgres", with: "-d \(settings.database)") + " -c \"\(sql)\""
        )
    }

    /// A URL that `lethe` accepts for these settings.
    public static func url(_ settings: PostgresSettings) -> String {
        if let directory = settings.socketDirectory {
            return
                "postgres://\(settings.username)@/\(settings.database)?host=\(directory)&pool_size=\(settings.poolSize)"
        }
        let password = settings.password.map { ":\($0)" } ?? ""
        return "postgres://\(settings.username)\(password)@\(settings.host):\(settings.port)/\(settings.database)"
            + "?sslmode=\(settings.tls.rawValue)&pool_size=\(settings.poolSize)"
    }

    private static func serverSettings() throws -> PostgresSettings {
        try state.withLock { state in
            if let server = state.server { return try server.get() }
            let result = Result { () throws -> PostgresSettings in
                if let url = ProcessInfo.processInfo.environment["LETHE_TEST_DATABASE_URL"], !url.isEmpty {
                    return try PostgresSettings(url: url)
                }
                return try start()
            }
            state.server = result
            let settings = try result.get()
            state.dataFolder = settings.socketDirectory.map { "\($0)/data" }
            return settings
        }
    }

    /// psql against the server's maintenance database, without prompts or startup files.
    private static func psql(_ settings: PostgresSettings) -> String {
        var command = "PGSSLMODE=\(settings.tls.rawValue) "
        if let password = settings.password { command += "PGPASSWORD='\(password)' " }
        let host = settings.socketDirectory ?? settings.host
        return command
            + "psql -X -q -v ON_ERROR_STOP=1 -h '\(host)' -p \(settings.port) -U '\(settings.username)' -d postgres"
    }

    /// initdb refuses to run as root: as root, the server runs as the `postgres` system user.
    private static func start() throws -> PostgresSettings {
        guard let bin = binaries() else {
            throw ThrowawayError("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
        }
        let folder = temporaryFolder("lethe-pg")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let asRoot = getuid() == 0
        let prefix = asRoot ? "runuser -u postgres -- " : ""
        if asRoot { try shell("chown postgres:postgres '\(folder)'") }
        try shell(
            "\(prefix)'\(bin)/initdb' -D '\(folder)/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync"
                + " > '\(folder)/initdb.log' 2>&1"
        )
        try shell(
            "\(prefix)'\(bin)/pg_ctl' -D '\(folder)/data' -l '\(folder)/server.log' -w -o "
                + "\"-k '\(folder)' -c listen_addresses='' -c fsync=off -c synchronous_commit=off"
                + " -c full_page_writes=off -c max_connections=1000\" start > /dev/null"
        )
        // The watchdog outlives this process by at most two seconds.
        let parent = ProcessInfo.processInfo.processIdentifier
        try shell(
            "nohup setsid sh -c \"while kill -0 \(parent) 2>/dev/null; do sleep 2; done; "
                + "\(prefix)'\(bin)/pg_ctl' -D '\(folder)/data' -m immediate -w stop; rm -rf '\(folder)'\""
                + " > /dev/null 2>&1 &"
        )
        return try PostgresSettings(url: "postgres://postgres@/postgres?host=\(folder)")
    }

    private static func binaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap { Int($0) }.sorted().reversed().map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    /// Through `system`: Foundation's `Process` waits forever on a child that leaves a daemon
    /// (pg_ctl's server) holding descriptors it inherited.
    ///
    /// The shell first closes every descriptor above stderr: the server and the watchdog outlive the
    /// command, and a pipe end they inherited from a concurrently running test would keep that test's
    /// reader waiting for an end of file that never comes.
    private static func shell(_ command: String) throws {
        // bash, not sh: dash cannot name descriptors above 9. The command travels in the environment,
        // so it needs no second level of quoting (calls take turns on `shellTurn`).
        let status = shellTurn.withLock { _ in
            setenv("LETHE_TEST_PG_COMMAND", command, 1)
            return system(
                "exec /bin/bash -c 'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done; "
                    + "eval \"$LETHE_TEST_PG_COMMAND\"'"
            )
        }
        guard status == 0 else { throw ThrowawayError("exit status \(status) from: \(command)") }
    }
}

struct ThrowawayError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import LetheCore
import Logging

/// Where the PostgreSQL database is and how to reach it, read from a libpq-style URL:
/// `postgres://user:password@host:port/database?sslmode=require&pool_size=20`.
///
/// Supported query parameters: `sslmode` (`disable`, `prefer` (the default), `require`, `verify-ca`,
/// `verify-full`), `sslrootcert` (a PEM file of trusted roots for the verifying modes), `host` (a socket
/// directory, as libpq's), `pool_size` (connections per process, default 10) and `connect_timeout` (seconds).
public struct PostgresSettings: Sendable, Equatable {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// `disable`: plain TCP. `prefer` (the default): TLS when the server offers it, certificate not
        /// checked. `require`: TLS always, certificate not checked.
        case disable, prefer, require
        /// TLS with the server's certificate chain checked against the trusted roots, not its host name.
        case verifyCA = "verify-ca"
        /// TLS with the certificate chain and the host name both checked.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address (`localhost` when the URL names none).
    public var host: String
    /// The server's port, 5432 unless the URL says otherwise.
    public var port: Int
    /// A Unix socket directory; when set, `host` is not used.
    public var socketDirectory: String?
    /// The role to connect as (`postgres` when the URL names none).
    public var username: String
    /// The role's password, if the URL has one; never printed (see ``redacted``).
    public var password: String?
    /// The database name: the URL's path, or the user name when the path is empty.
    public var database: String
    /// The `sslmode` parameter; ``TLSMode/prefer`` by default.
    public var tls: TLSMode
    /// The `sslrootcert` parameter: a PEM file of trusted roots for the verifying modes.
    public var rootCertificates: String?
    /// The `pool_size` parameter: connections (and transaction threads) per process, 1 to 500, default 10.
    public var poolSize: Int
    /// The `connect_timeout` parameter, in seconds; default 10.
    public var connectTimeout: Int

    /// Parses a URL; the error names the part that is wrong and never repeats the password.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` for another scheme, an unknown parameter, or an
    ///   `sslmode`, `pool_size` or `connect_timeout` out of range.
    public init(url text: String) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw StoreError.invalidValue(
                field: "database URL",
                reason: "expected postgres://user:password@host:port/database"
            )
        }
        let query = Dictionary(
            (url.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        let known: Set<String> = ["sslmode", "sslrootcert", "host", "pool_size", "connect_timeout", "application_name"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw StoreError.invalidValue(field: "database URL", reason: "unknown parameter \(unknown)")
        }
        host = url.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = url.port ?? 5432
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        username = url.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = url.password.flatMap { $0.removingPercentEncoding }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = path.isEmpty ? username : (path.removingPercentEncoding ?? path)
        guard let mode = TLSMode(rawValue: query["sslmode"] ?? "prefer") else {
            throw StoreError.invalidValue(
                field: "sslmode",
                reason: "expected one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        tls = mode
        rootCertificates = query["sslrootcert"]
        guard let size = Int(query["pool_size"] ?? "10"), (1...500).contains(size) else {
            throw StoreError.invalidValue(field: "pool_size", reason: "expected a number of connections from 1 to 500")
        }
        poolSize = size
        guard let timeout = Int(query["connect_timeout"] ?? "10"), timeout > 0 else {
            throw StoreError.invalidValue(field: "connect_timeout", reason: "expected a number of seconds")
        }
        connectTimeout = timeout
    }

    /// Whether a string names a PostgreSQL database rather than a folder.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// The location without the password, for logs and status output.
    public var redacted: String {
        let place = socketDirectory.map { "[\($0)]:\(port)" } ?? "\(host):\(port)"
        return "postgres://\(username)@\(place)/\(database)?sslmode=\(tls.rawValue)"
    }
}

extension SQLStore {
    /// Opens the PostgreSQL store at `settings`, running pending migrations (once, however many
    /// processes start together). Fails at once, with the server's reason, when it cannot connect.
    public static func postgres(
        _ settings: PostgresSettings,
        vault: KeyVault,
        faults: StoreFaults = StoreFaults(),
        logger: Logger = Logger(label: "lethe.postgres")
    ) async throws -> SQLStore {
        var quiet = logger
        // PostgresNIO logs statements at debug level; statements carry no personal values, but their
        // failures can echo a constraint's key, so the driver's own logging stays at warnings.
        quiet.logLevel = max(logger.logLevel, .warning)
        let backend = try await PostgresBackend.open(settings, logger: quiet)
        return SQLStore(database: backend, sqlitePath: nil, vault: vault, faults: faults)
    }
}

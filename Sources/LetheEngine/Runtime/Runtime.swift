import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// Where Lethe keeps its data and how it finds its master key: the single place that turns
/// configuration into an open store, so the CLI, the server and the worker agree.
public struct RuntimeConfiguration: Sendable {
    /// The data folder (default `./.lethe`, or `LETHE_DATA`): keys, exports, mail, and the SQLite store.
    public let dataFolder: String
    /// A PostgreSQL URL (`--database`, or `LETHE_DATABASE_URL`); nil keeps the store in SQLite.
    public let databaseURL: String?
    /// The policy folder (`--policies`, else `LETHE_POLICIES`, else the policies shipped in the binary).
    public let policyFolder: String
    /// The environment the settings were read from; later settings (mail folder, officer address) read it too.
    public let environment: [String: String]

    /// Resolves each setting: the explicit value, else its `LETHE_*` variable, else the default.
    public init(
        dataFolder: String?,
        databaseURL: String? = nil,
        policyFolder: String?,
        environment: [String: String]
    ) {
        self.dataFolder = dataFolder ?? environment["LETHE_DATA"] ?? ".lethe"
        self.databaseURL = (databaseURL ?? environment["LETHE_DATABASE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        self.policyFolder = PolicyDirectory.resolve(policyFolder, environment: environment)
        self.environment = environment
    }

    /// The keyring from `LETHE_MASTER_KEYS`/`LETHE_MASTER_KEY`, else from ``keyFile``; nil when neither
    /// holds one.
    /// - Throws: ``RuntimeError/crypto(_:)`` when a key is there but unreadable.
    public func loadKeyring() throws(RuntimeError) -> MasterKeyring? {
        do {
            return try MasterKeyring.load(environment: environment, keyFile: keyFile)
        } catch {
            throw .crypto(error)
        }
    }

    /// Whether the keyring comes from the environment (`LETHE_MASTER_KEYS` or `LETHE_MASTER_KEY`), which
    /// nothing here can rewrite and a running process cannot re-read, rather than from ``keyFile``.
    public var keysFromEnvironment: Bool {
        environment["LETHE_MASTER_KEYS"] != nil || environment["LETHE_MASTER_KEY"] != nil
    }

    /// `LETHE_MASTER_KEY_FILE`, else `<data folder>/master.key`.
    public var keyFile: String {
        environment["LETHE_MASTER_KEY_FILE"] ?? (dataFolder as NSString).appendingPathComponent("master.key")
    }
}

/// Why the runtime could not start; each says what to do.
public enum RuntimeError: Error, CustomStringConvertible {
    /// Neither `LETHE_MASTER_KEY` nor the key file exists, and creating one was not allowed.
    case noMasterKey(keyFile: String)
    /// The master key exists but cannot be read or used.
    case crypto(CryptoError)
    /// The PostgreSQL database could not be reached or set up.
    case database(String)
    /// `LETHE_SMTP_URL` cannot be used (the reason never repeats the password).
    case mail(String)

    /// What to do, for the operator: set the key, run `lethe keys init`, or fix the database.
    public var description: String {
        switch self {
        case .noMasterKey(let keyFile):
            return "no master key: set LETHE_MASTER_KEY, or run 'lethe keys init' to create \(keyFile)"
        case .crypto(let error): return error.description
        case .database(let reason): return reason
        case .mail(let reason): return reason
        }
    }
}

/// An open store with its keys, policies and services.
public struct Runtime: Sendable {
    /// The settings this runtime was opened with.
    public let configuration: RuntimeConfiguration
    /// The open store. Only the engine and the package's tests reach it: front ends go through the
    /// services and the query facades (``oversight``, ``evidence``, ``administration``, ``keys``).
    package let store: SQLStore
    /// The keys this process holds; rotation goes through ``keys``.
    package let vault: KeyVault
    /// The validated policy set every service computes deadlines and retention from.
    public let policies: PolicySet
    /// "Now" for every service: the system clock, or a fixed instant for drills and tests.
    public let clock: any WallClock
    /// Set when a development key was generated on this start.
    public let generatedDevelopmentKey: Bool
    /// The mail server notices go to when `LETHE_SMTP_URL` is set; nil means the mail folder.
    public let smtp: SMTPTransport?

    /// Opens the data folder. With `createKeyIfMissing`, a missing key is generated and written
    /// (a development convenience the caller must warn about loudly).
    /// - Throws: ``RuntimeError`` when the key is missing or unusable or PostgreSQL cannot be opened;
    ///   the store's or the file system's errors when the SQLite store or the data folder cannot be created.
    public static func open(
        _ configuration: RuntimeConfiguration,
        policies: PolicySet,
        clock: any WallClock = SystemWallClock(),
        createKeyIfMissing: Bool
    ) async throws -> Runtime {
        // Checked before anything is opened, so a bad mail URL stops the start with its reason.
        var smtp: SMTPTransport?
        if let url = configuration.environment["LETHE_SMTP_URL"], !url.isEmpty {
            do {
                smtp = try SMTPTransport(settings: try SMTPSettings(url: url), from: policies.controller.email)
            } catch {
                throw RuntimeError.mail("\(error)")
            }
        }
        var generated = false
        let keyring: MasterKeyring
        if let loaded = try configuration.loadKeyring() {
            keyring = loaded
        } else if createKeyIfMissing {
            do {
                try FileManager.default.createDirectory(
                    atPath: configuration.dataFolder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                keyring = try MasterKeyring.generate()
                try keyring.write(to: configuration.keyFile)
            } catch let error as CryptoError {
                throw RuntimeError.crypto(error)
            }
            generated = true
        } else {
            throw RuntimeError.noMasterKey(keyFile: configuration.keyFile)
        }
        let vault = KeyVault(keyring: keyring)
        let store: SQLStore
        if let url = configuration.databaseURL {
            do {
                store = try await SQLStore.postgres(try PostgresSettings(url: url), vault: vault)
            } catch {
                throw RuntimeError.database("\(error)")
            }
        } else {
            store = try SQLStore(folder: configuration.dataFolder, vault: vault)
        }
        // A chain written before the head was anchored gets its head now, so truncation is caught from here on.
        try await store.anchorAuditHeadIfMissing()
        // Values sealed before they were bound to their rows are re-sealed now; once a run has completed,
        // this is one read (kill-safe and idempotent, so any process may be the one that does it).
        try await store.bindSealedValuesToRows()
        let runtime = Runtime(
            configuration: configuration,
            store: store,
            vault: vault,
            policies: policies,
            clock: clock,
            generatedDevelopmentKey: generated,
            smtp: smtp
        )
        // A rotation may have made a newer version primary for every process: follow it when this keyring
        // holds it (a process without it keeps wrapping under the old primary, which everyone can open).
        try await runtime.keys.followPromotedPrimary()
        return runtime
    }

    /// Account procedures (create, verified change, masked view, audited reveal) on this runtime's store.
    public func accounts(logger: Logger = Logger(label: "lethe.accounts")) -> AccountService {
        AccountService(store: store, vault: vault, policies: policies, clock: clock, logger: logger)
    }
}

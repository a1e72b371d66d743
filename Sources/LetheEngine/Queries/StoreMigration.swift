import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// Why a move to PostgreSQL could not start or did not verify.
public enum StoreMigrationError: Error, Equatable, CustomStringConvertible {
    /// The data folder has no SQLite store.
    case noSQLiteStore(String)
    /// The PostgreSQL URL could not be read.
    case badURL(String)
    /// The database could not be reached or set up.
    case database(String)
    /// The source's audit trail does not verify, so a copy would carry the damage along.
    case sourceAuditBroken
    /// The copy failed and was rolled back.
    case copyFailed(String)

    /// A sentence for the operator running `lethe migrate`; the PostgreSQL password never appears in it.
    public var description: String {
        switch self {
        case .noSQLiteStore(let path): return "no SQLite store at \(path)"
        case .badURL(let reason): return "--to: \(reason)"
        case .database(let reason): return reason
        case .sourceAuditBroken: return "the source's audit chain does not verify; run 'lethe audit verify' first"
        case .copyFailed(let reason): return reason
        }
    }
}

/// What a move copied, and whether the copy verifies.
public struct StoreMigrationReport: Sendable {
    /// Rows per table, in the source and in the target.
    public let copy: StoreCopyReport
    /// The target's audit entries after the copy.
    public let auditEntries: Int
    /// The first entry that fails on the target, or nil when the copied chain verifies.
    public let firstBrokenEntry: Int64?
    /// The target, with its password hidden.
    public let target: String
}

/// Moves an embedded SQLite deployment into an empty PostgreSQL database, so it can grow to several nodes.
public enum StoreMigration {
    /// Copies every row of the data folder's SQLite store into the database at `url`, in one transaction,
    /// then verifies the copy's audit chain. Ciphertext stays ciphertext under the same master key.
    /// - Throws: ``StoreMigrationError``, or `RuntimeError` when the master key cannot be loaded.
    public static func copy(
        _ configuration: RuntimeConfiguration,
        to url: String,
        progress: @escaping @Sendable (_ table: String, _ copied: Int, _ total: Int) -> Void
    ) async throws -> StoreMigrationReport {
        let sqlite = (configuration.dataFolder as NSString).appendingPathComponent("lethe.sqlite")
        guard FileManager.default.fileExists(atPath: sqlite) else { throw StoreMigrationError.noSQLiteStore(sqlite) }
        let settings: PostgresSettings
        do { settings = try PostgresSettings(url: url) } catch { throw StoreMigrationError.badURL("\(error)") }
        guard let keyring = try configuration.loadKeyring() else {
            throw RuntimeError.noMasterKey(keyFile: configuration.keyFile)
        }
        let source = try SQLStore(folder: configuration.dataFolder, vault: KeyVault(keyring: keyring))
        let target: SQLStore
        do {
            target = try await SQLStore.postgres(settings, vault: KeyVault(keyring: keyring))
        } catch {
            throw StoreMigrationError.database("\(error)")
        }
        defer { Task { await target.close() } }
        guard try await source.firstBrokenAuditEntry() == nil else { throw StoreMigrationError.sourceAuditBroken }
        let report: StoreCopyReport
        do {
            report = try await source.copyEverything(to: target, progress: progress)
        } catch let error as StoreError {
            throw StoreMigrationError.copyFailed(error.description)
        }
        return StoreMigrationReport(
            copy: report,
            auditEntries: try await target.auditEntries(subjectType: nil, subjectID: nil).count,
            firstBrokenEntry: try await target.firstBrokenAuditEntry(),
            target: settings.redacted
        )
    }
}

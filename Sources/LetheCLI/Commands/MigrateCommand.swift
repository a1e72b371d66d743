import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore

/// `lethe migrate`: moves an embedded SQLite deployment into PostgreSQL, so it can grow to several nodes.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy this data folder's SQLite store into an empty PostgreSQL database, and verify the copy.",
        discussion: """
            Every row is copied as stored (ciphertext stays ciphertext, under the same master key) in one \
            transaction, so an interrupted copy leaves the target empty. Afterwards the row counts of every \
            table are compared and the audit chain is verified on the target. Stop the service first; then \
            point every node at the database with LETHE_DATABASE_URL. The SQLite file is left as it was.
            """
    )

    @Option(help: "The data folder of the SQLite deployment (default: $LETHE_DATA or ./.lethe).")
    var data: String?

    @Option(
        help: ArgumentHelp(
            "The empty PostgreSQL database to copy into.",
            valueName: "postgres://user:password@host:port/database"
        )
    )
    var to: String

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = RuntimeConfiguration(
            dataFolder: data,
            databaseURL: nil,
            policyFolder: nil,
            environment: environment
        )
        let sqlite = (configuration.dataFolder as NSString).appendingPathComponent("lethe.sqlite")
        guard FileManager.default.fileExists(atPath: sqlite) else {
            throw CLIError.badInput("no SQLite store at \(sqlite)")
        }
        let settings: PostgresSettings
        do { settings = try PostgresSettings(url: to) } catch { throw CLIError.badInput("--to: \(error)") }
        let keyring: MasterKeyring
        do {
            guard let loaded = try MasterKeyring.load(environment: environment, keyFile: configuration.keyFile) else {
                throw CLIError.failed(RuntimeError.noMasterKey(keyFile: configuration.keyFile).description)
            }
            keyring = loaded
        } catch let error as CryptoError {
            throw CLIError.failed(error.description)
        }
        let source = try SQLStore(folder: configuration.dataFolder, vault: KeyVault(keyring: keyring))
        let target: SQLStore
        do {
            target = try await SQLStore.postgres(settings, vault: KeyVault(keyring: keyring))
        } catch {
            throw CLIError.failed("\(error)")
        }
        defer { Task { await target.close() } }
        guard try await source.firstBrokenAuditEntry() == nil else {
            throw CLIError.failed("the source's audit chain does not verify; run 'lethe audit verify' first")
        }
        let started = Date()
        let report: StoreCopyReport
        do {
            report = try await source.copyEverything(to: target) { table, copied, total in
                Terminal.progress("copying \(table): \(copied)/\(total)")
            }
        } catch let error as StoreError {
            Terminal.endProgress()
            throw CLIError.failed(error.description)
        }
        Terminal.endProgress()
        let broken = try await target.firstBrokenAuditEntry()
        let entries = try await target.auditEntries(subjectType: nil, subjectID: nil).count
        for table in report.tables where table.source > 0 {
            print("\(table.name): \(table.source) → \(table.target)")
        }
        print(
            "copied \(report.rows) rows in \(report.tables.count) tables to \(settings.redacted) in "
                + String(format: "%.1f s", Date().timeIntervalSince(started)) + "; row counts match; "
                + (broken == nil
                    ? "audit chain intact (\(entries) entries)" : "AUDIT CHAIN BROKEN at entry \(broken ?? 0)")
        )
        guard broken == nil else { throw CLIError.failed("the copy's audit chain does not verify") }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine

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

    /// Copies the store and prints the rows per table and whether the copy's audit chain verifies; a missing
    /// store or bad URL exits 2, any other failure (including a broken chain on either side) exits 1.
    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = RuntimeConfiguration(
            dataFolder: data,
            databaseURL: nil,
            policyFolder: nil,
            environment: environment
        )
        let started = Date()
        let report: StoreMigrationReport
        do {
            report = try await StoreMigration.copy(configuration, to: to) { table, copied, total in
                Terminal.progress("copying \(table): \(copied)/\(total)")
            }
        } catch let error as StoreMigrationError {
            Terminal.endProgress()
            switch error {
            case .noSQLiteStore, .badURL: throw CLIError.badInput(error.description)
            default: throw CLIError.failed(error.description)
            }
        } catch let error as RuntimeError {
            Terminal.endProgress()
            throw CLIError.failed(error.description)
        }
        Terminal.endProgress()
        let broken = report.firstBrokenEntry
        for table in report.copy.tables where table.source > 0 {
            print("\(table.name): \(table.source) → \(table.target)")
        }
        print(
            "copied \(report.copy.rows) rows in \(report.copy.tables.count) tables to \(report.target) in "
                + String(format: "%.1f s", Date().timeIntervalSince(started)) + "; row counts match; "
                + (broken == nil
                    ? "audit chain intact (\(report.auditEntries) entries)"
                    : "AUDIT CHAIN BROKEN at entry \(broken ?? 0)")
        )
        guard broken == nil else { throw CLIError.failed("the copy's audit chain does not verify") }
    }
}

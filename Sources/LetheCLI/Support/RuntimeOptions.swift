import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `--data`, `--database` and `--policies`, shared by every command that opens the store.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "The data folder: keys, exports and mail, and the SQLite store (default: $LETHE_DATA or ./.lethe).")
    var data: String?

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL URL to keep the store there instead of SQLite (default: $LETHE_DATABASE_URL).",
            valueName: "postgres://user:password@host:port/database"
        )
    )
    var database: String?

    @Option(help: "The policy folder (default: $LETHE_POLICIES, else the policies shipped with lethe).")
    var policies: String?

    /// The options resolved against the process environment (`LETHE_DATA`, `LETHE_DATABASE_URL`,
    /// `LETHE_POLICIES`), as the runtime will use them.
    var configuration: RuntimeConfiguration {
        RuntimeConfiguration(
            dataFolder: data,
            databaseURL: database,
            policyFolder: policies,
            environment: ProcessInfo.processInfo.environment
        )
    }

    /// Opens the store; with `createKeyIfMissing`, generates a development key and warns loudly.
    func open(createKeyIfMissing: Bool = false, clock: any WallClock = SystemWallClock()) async throws -> Runtime {
        let configuration = self.configuration
        let policySet = try PolicyLoading.load(at: configuration.policyFolder)
        do {
            let runtime = try await Runtime.open(
                configuration,
                policies: policySet,
                clock: clock,
                createKeyIfMissing: createKeyIfMissing
            )
            if runtime.generatedDevelopmentKey {
                Terminal.warn(
                    "generated a DEVELOPMENT master key at \(configuration.keyFile). Anyone with this file can read "
                        + "every customer's data; in production set LETHE_MASTER_KEY or create a key with 'lethe keys init' "
                        + "and keep it apart from database backups."
                )
            }
            return runtime
        } catch let error as RuntimeError {
            throw CLIError.failed(error.description)
        }
    }
}

/// Terminal output conventions: progress only on a TTY, warnings on standard error.
enum Terminal {
    /// Whether standard error is a terminal; progress and notes are shown only then.
    static var isInteractive: Bool { isatty(STDERR_FILENO) == 1 }

    /// A status line for people on a terminal (standard error, so pipes get the data only).
    static func note(_ message: String) {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("lethe: \(message)\n".utf8))
    }

    /// A warning on standard error, always shown (terminal or not), e.g. a generated development key.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("lethe: warning: \(message)\n".utf8))
    }

    /// Rewrites one progress line on a TTY; silent otherwise.
    static func progress(_ text: String) {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    /// Clears the progress line, so the next output starts on a clean line.
    static func endProgress() {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

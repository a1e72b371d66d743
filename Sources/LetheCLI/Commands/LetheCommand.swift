import ArgumentParser
import Foundation
import Logging

/// `lethe`: the command-line face of Lethe for privacy officers and operators.
public struct LetheCommand: AsyncParsableCommand {
    /// The command's name, one-line summary and every subcommand, in the order `lethe help` lists them.
    public static let configuration = CommandConfiguration(
        commandName: "lethe",
        abstract: "Lethe: data-subject requests, statutory deadlines and retention, done to the statute.",
        subcommands: [
            PoliciesCommand.self, DeadlineCommand.self, KeysCommand.self, AccountsCommand.self, DemoCommand.self,
            RequestsCommand.self, AuditCommand.self, OutboxCommand.self, JobsCommand.self, HoldsCommand.self,
            ExportCommand.self, RecipientsCommand.self, PurgeCommand.self, WorkerCommand.self, ServeCommand.self,
            StaffCommand.self, TokensCommand.self, MigrateCommand.self, AgentsCommand.self, DRPCommand.self,
        ]
    )

    /// The root command, as ArgumentParser creates it before parsing.
    public init() {}

    /// Runs the command line, printing errors as one line and exiting with the documented status:
    /// 0 on success, 1 when a check fails, 2 for bad input (including unknown options).
    public static func runMain(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        // Logs go to standard error, quiet by default on the command line; LETHE_LOG_LEVEL=info shows more.
        // A server's request log is its record of work: `serve` logs at info when its standard error goes
        // to a log (a service manager, a file), but a terminal stays quiet unless asked, so the demo shows
        // its sign-in line and warnings rather than a screen of info lines.
        let level =
            ProcessInfo.processInfo.environment["LETHE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? (arguments.first == "serve" && isatty(STDERR_FILENO) == 0 ? .info : .warning)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let error as CLIError {
            printError(error.message)
            Foundation.exit(error.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version are "errors" that print their text and succeed.
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // Usage mistakes are bad input too: one line, the usual status 2, help on request.
            printError("\(oneLine(message(for: error))) (see 'lethe help')")
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// ArgumentParser's message in one line: a list of allowed values (one per line, `- value`) is
    /// folded into the sentence that introduces it; anything after is left for `lethe help`.
    static func oneLine(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = lines.first else { return "invalid arguments" }
        let values = lines.dropFirst().prefix { $0.hasPrefix("- ") }.map { "'\($0.dropFirst(2))'" }
        guard first.hasSuffix(":"), !values.isEmpty else { return first }
        return "\(first) \(values.joined(separator: ", "))."
    }

    /// Prints `lethe: error: <message>` on standard error.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("lethe: error: \(message)\n".utf8))
    }
}

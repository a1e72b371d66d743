import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe export`: a customer's data as an export bundle.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write a customer's export bundle (ZIP) for an officer, or download a customer's bundle by its link id.",
        subcommands: [Account.self, Download.self],
        defaultSubcommand: Account.self
    )

    /// `lethe export account`: the customer's data as a plain ZIP for an officer, outside any request.
    struct Account: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "account",
            abstract:
                "Write the plain bundle of an account to a file (audited: it holds the customer's data in the clear)."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The account id.") var id: String
        @Option(help: "Where to write the ZIP.") var out: String
        @Option(help: "Why it is exported (audited).") var reason: String = "officer export"
        @Option(help: "Staff id (default: $LETHE_AGENT).") var agent: String?

        /// Records the export in the audit trail first, then writes the ZIP to `--out`; an unknown account exits 2.
        func run() async throws {
            let account = try AccountsCommand.parseID(id)
            let runtime = try await self.runtime.open()
            let bundleID = "OFFICER-\(Int(runtime.clock.now().timeIntervalSince1970))"
            // Audited first: an export that is not recorded must not happen.
            try await runtime.administration.recordOfficerExport(
                account,
                reason: reason,
                by: "staff:\(AccountsCommand.agent(agent))"
            )
            // The plain bundle holds the customer's data in the clear: created owner-only from its first
            // byte (this process writes nothing else that others should read).
            umask(0o077)
            let digests = try await AccountsCommand.run {
                try await runtime.exporter().writeZip(
                    account,
                    request: nil,
                    bundleID: bundleID,
                    to: URL(fileURLWithPath: out)
                )
            }
            print("wrote \(out): \(digests.count) files plus manifest.json")
        }
    }

    /// `lethe export download`: decrypts a customer's bundle by its link id, as the privacy center would.
    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a bundle by its id while its link is valid (counts a download)."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The bundle id, e.g. B-1A2B3C.") var bundle: String
        @Option(help: "Where to write the ZIP.") var out: String

        /// Writes the ZIP to `--out`; an expired, used-up or unknown bundle, or an erased customer, exits 2.
        func run() async throws {
            let runtime = try await self.runtime.open()
            do {
                try await runtime.exporter().download(bundle, to: URL(fileURLWithPath: out))
            } catch let error as JobFailure {
                throw CLIError.badInput(error.message)
            }
            print("wrote \(out)")
        }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe recipients`: processors and third parties that receive customers' data.
struct RecipientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipients",
        abstract: "Register the processors and third parties that deletions and opt-outs are passed on to.",
        subcommands: [Add.self, List.self]
    )

    /// `lethe recipients add`: registers a processor or third party, with the data categories it receives
    /// and the webhook that deletions and opt-outs are sent to.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a recipient; its signing secret is read from standard input."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "A short id, e.g. acme-mail.") var id: String
        @Option(help: "Its name, as the customer will read it.") var name: String
        @Option(help: "A data category it receives (repeatable).") var category: [DataCategory] = []
        @Option(help: "Its webhook URL (HTTPS in production).") var url: String

        /// Refuses a recipient that receives no category: it would never be told anything.
        func validate() throws {
            guard !category.isEmpty else { throw ValidationError("name at least one --category it receives") }
        }

        /// Reads the signing secret from standard input (never an argument) and registers the recipient; a
        /// short secret, a bad URL or a taken id exits 2.
        func run() async throws {
            let categories = Set(category)
            guard let secret = readLine(strippingNewline: true), secret.count >= 16 else {
                throw CLIError.badInput("give the signing secret (16 characters or more) on standard input")
            }
            let runtime = try await self.runtime.open()
            do {
                try await runtime.administration.addRecipient(
                    Recipient(id: id, name: name, categories: categories, webhookURL: url, active: true),
                    secret: secret,
                    by: AccountsCommand.agent(nil)
                )
            } catch let error as AdministrationError {
                throw CLIError.badInput(error.description)
            }
            print("registered \(id)")
        }
    }

    /// `lethe recipients list`: every registered recipient with its categories and webhook.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Registered recipients.")
        /// Prints one recipient per line.
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            let recipients = try await self.runtime.open().administration.recipients()
            for r in recipients {
                print(
                    "\(r.id)  \(r.name)  [\(r.categories.map(\.rawValue).sorted().joined(separator: ","))]  \(r.webhookURL)\(r.active ? "" : "  (inactive)")"
                )
            }
            if recipients.isEmpty { print("no recipients") }
        }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe drp`: this business's side of the Data Rights Protocol.
struct DRPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drp",
        abstract: "The Data Rights Protocol endpoint's directory entry.",
        subcommands: [BusinessEntry.self]
    )

    /// `lethe drp business-entry`: the entry this business publishes so agents can find its DRP endpoint.
    struct BusinessEntry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "business-entry",
            abstract: "Print the JSON entry to publish in the DRP business directory (from Policies/drp.yaml)."
        )
        @Option(help: "The policy folder (default: LETHE_POLICIES, else ./Policies).") var dir: String?

        /// Prints the entry as JSON; exits 2 when the policies are invalid or `drp.yaml` is missing.
        func run() async throws {
            let folder = PolicyDirectory.resolve(dir, environment: ProcessInfo.processInfo.environment)
            let policies: PolicySet
            do { policies = try PolicyDirectory.load(at: folder) } catch { throw CLIError.badInput(error.description) }
            guard let business = policies.dataRightsProtocol else {
                throw CLIError.badInput("\(folder)/drp.yaml is missing: the DRP endpoint is not configured")
            }
            print(String(decoding: business.directoryEntry(), as: UTF8.self))
        }
    }
}

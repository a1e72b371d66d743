import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe agents`: the authorized agents allowed to make requests over the Data Rights Protocol.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Register, list and revoke authorized agents (Data Rights Protocol).",
        subcommands: [Add.self, Import.self, List.self, Revoke.self]
    )

    /// The assurance flags shared by `add` and `import`.
    struct AssuranceOptions: ParsableArguments {
        @Option(
            name: .customLong("accept"),
            help:
                "Verified claims of the agent that count as identity verification: email, phone_number, address (comma-separated; 'none' for none)."
        )
        var accepts = "email,phone_number"
        @Flag(help: "Still ask the customer to confirm directly, by a code to their registered email.")
        var confirmWithCustomer = false

        /// The identity-assurance policy the flags describe: which of the agent's verified claims stand in for
        /// Lethe's own identity check, and whether the customer must still confirm.
        func assurance() throws -> IdentityAssurance {
            var claims: Set<AgentClaim> = []
            if accepts != "none" {
                for name in accepts.split(separator: ",") {
                    guard let claim = AgentClaim(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                        throw CLIError.badInput("unknown claim '\(name)' (email, phone_number, address or none)")
                    }
                    claims.insert(claim)
                }
            }
            return IdentityAssurance(accepts: claims, confirmWithCustomer: confirmWithCustomer)
        }
    }

    /// `lethe agents add`: registers one agent by hand, with the key its signed requests must verify under.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an agent with its Ed25519 verify key.")
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The agent's DRP directory id, e.g. CR_AA_DRP_ID_001.") var id: String
        @Option(help: "The agent's name, as the customer knows it.") var name: String
        @Option(help: "The verify key: base64 of 32 bytes (or 64 hex digits).") var key: String
        @Option(
            name: .customLong("callback-host"),
            help: "A host (or host:port, or host:*) its status callbacks may go to; repeat for more."
        )
        var callbackHosts: [String] = []
        @OptionGroup var assurance: AssuranceOptions

        /// Validates and registers the agent (audited under the operator); a refused id, key or host exits 2.
        func run() async throws {
            let assurance = try assurance.assurance()
            let runtime = try await self.runtime.open()
            do {
                let agent = try await runtime.agentRegistry().add(
                    id: id,
                    name: name,
                    verifyKey: key,
                    assurance: assurance,
                    callbackHosts: callbackHosts,
                    by: AccountsCommand.agent(nil)
                )
                print("added agent \(agent.id) (accepts: \(agent.assurance.stored))")
            } catch let error as AgentRegistryError {
                throw CLIError.badInput(error.description)
            }
        }
    }

    /// `lethe agents import`: registers the agents listed in the DRP directory's `agents.json`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the agents of a DRP directory file (agents.json) that are not registered yet."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The directory JSON file.") var file: String
        @OptionGroup var assurance: AssuranceOptions

        /// Reads the file and adds each agent not yet registered; prints how many were added and skipped.
        func run() async throws {
            let assurance = try assurance.assurance()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError.badInput("cannot read \(file)")
            }
            let runtime = try await self.runtime.open()
            do {
                let result = try await runtime.agentRegistry().importDirectory(
                    data,
                    assurance: assurance,
                    by: AccountsCommand.agent(nil)
                )
                print("imported \(result.added.count) agent(s), \(result.skipped.count) already registered")
            } catch let error as AgentRegistryError {
                throw CLIError.badInput(error.description)
            }
        }
    }

    /// `lethe agents list`: every registered agent, active or revoked, with what its verification is trusted for.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered agents.")
        @OptionGroup var runtime: RuntimeOptions

        /// Prints one agent per line: id, state, accepted claims and name.
        func run() async throws {
            let runtime = try await self.runtime.open()
            for agent in try await runtime.administration.agents() {
                let state = agent.revokedAt == nil ? "active" : "revoked"
                print(
                    "\(agent.id.padded(28)) \(state.padded(8)) \(agent.assurance.stored.padded(28)) \(agent.name)"
                )
            }
        }
    }

    /// `lethe agents revoke`: withdraws an agent's authorization for good.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an agent: its token stops working at once and it cannot pair again."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The agent's id.") var id: String

        /// Revokes the agent (audited); an unknown or already revoked agent exits 2.
        func run() async throws {
            let runtime = try await self.runtime.open()
            guard try await runtime.administration.revokeAgent(id, by: AccountsCommand.agent(nil))
            else { throw CLIError.badInput("no active agent \(id)") }
            print("revoked agent \(id)")
        }
    }
}

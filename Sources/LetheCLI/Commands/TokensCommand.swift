import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine

/// `lethe tokens`: API tokens for machines (integrations, the purge worker), scoped to a role.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Issue, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `lethe tokens create`: issues an API token for an integration, with the least role it needs.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token; its secret is printed once.")
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "What the token is for, e.g. 'helpdesk integration'.") var name: String
        @Option(help: "What the token may do.") var role: StaffRole

        /// Issues the token and prints its secret, which is stored only as a hash and cannot be shown again.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let access = runtime.access()
            let (record, secret) = try await access.issueToken(name: name, role: role, by: AccountsCommand.agent(nil))
            print("token \(record.id) (\(role.rawValue)): \(secret)")
        }
    }

    /// `lethe tokens list`: every token with its role and whether it is live or revoked.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var runtime: RuntimeOptions

        /// Prints one token per line, never its secret.
        func run() async throws {
            let runtime = try await self.runtime.open()
            for token in try await runtime.administration.apiTokens() {
                print(
                    "\(token.id.padded(16)) \(token.role.rawValue.padded(8)) \(token.revokedAt == nil ? "live   " : "revoked") \(token.name)"
                )
            }
        }
    }

    /// `lethe tokens revoke`: stops a token working, for a leaked secret or a retired integration.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The token id, e.g. T-1A2B3C.") var id: String

        /// Revokes the token (audited); an unknown or already revoked token exits 2.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let access = runtime.access()
            do { try await access.revokeToken(id, by: AccountsCommand.agent(nil)) } catch let error as AccessError {
                throw CLIError.badInput(error.description)
            }
            print("revoked \(id)")
        }
    }
}

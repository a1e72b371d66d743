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

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token; its secret is printed once.")
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "What the token is for, e.g. 'helpdesk integration'.") var name: String
        @Option(help: "What the token may do.") var role: StaffRole

        func run() async throws {
            let runtime = try await self.runtime.open()
            let access = runtime.access()
            let (record, secret) = try await access.issueToken(name: name, role: role, by: AccountsCommand.agent(nil))
            print("token \(record.id) (\(role.rawValue)): \(secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var runtime: RuntimeOptions

        func run() async throws {
            let runtime = try await self.runtime.open()
            for token in try await runtime.administration.apiTokens() {
                print(
                    "\(token.id.padded(16)) \(token.role.rawValue.padded(8)) \(token.revokedAt == nil ? "live   " : "revoked") \(token.name)"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The token id, e.g. T-1A2B3C.") var id: String

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

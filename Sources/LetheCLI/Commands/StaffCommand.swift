import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine

/// `lethe staff`: the people who sign in to the dashboard.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Add, list and disable dashboard users (admin, officer, agent, auditor).",
        subcommands: [Add.self, List.self, Disable.self]
    )

    /// `lethe staff add`: creates a dashboard user with a role that fixes what they may do.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user. The password is read from LETHE_STAFF_PASSWORD, else generated and printed once."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The username, e.g. a.jones.") var username: String
        @Option(help: "What the user may do.") var role: StaffRole

        /// Adds the user (audited) and prints the generated password once, if it was not given; a taken or
        /// malformed username, or a password under 12 characters, exits 2.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let given = ProcessInfo.processInfo.environment["LETHE_STAFF_PASSWORD"]
            let password =
                try given
                ?? Data(SecureRandom.bytes(15)).base64EncodedString().replacingOccurrences(of: "/", with: "x")
            let access = runtime.access()
            do {
                _ = try await access.addStaff(
                    username: username,
                    role: role,
                    password: password,
                    by: AccountsCommand.agent(nil)
                )
            } catch let error as AccessError {
                throw CLIError.badInput(error.description)
            } catch let error as StoreError {
                throw CLIError.badInput(error.description)
            }
            print("added \(username) (\(role.rawValue))")
            if given == nil { print("password: \(password)") }
        }
    }

    /// `lethe staff list`: every dashboard user with their role and whether they are disabled.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their roles.")
        @OptionGroup var runtime: RuntimeOptions

        /// Prints one user per line.
        func run() async throws {
            let runtime = try await self.runtime.open()
            for user in try await runtime.administration.staffUsers() {
                print(
                    "\(user.username.padded(24)) \(user.role.rawValue.padded(8)) \(user.disabledAt == nil ? "" : "disabled")"
                )
            }
        }
    }

    /// `lethe staff disable`: takes a user's access away at once, for a leaver or a lost password.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user and end their sessions.")
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The username.") var username: String

        /// Disables the user and ends their sessions (audited); an unknown or already disabled user exits 2.
        func run() async throws {
            let runtime = try await self.runtime.open()
            guard
                try await runtime.administration.disableStaffUser(username, by: AccountsCommand.agent(nil))
            else { throw CLIError.badInput("no enabled staff user '\(username)'") }
            print("disabled \(username)")
        }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe holds`: legal holds.
struct HoldsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holds",
        abstract: "Place, list and release legal holds (they stop erasure of what they cover).",
        subcommands: [Add.self, List.self, Release.self]
    )

    /// `lethe holds add`: places a legal hold, so nothing it covers is erased or purged until it is released.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place a hold on an account (all categories unless --category is given)."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The account id.") var account: String
        @Option(help: "Why (e.g. the case), shown to whoever meets the hold.") var reason: String
        @Option(help: "A data category to hold (repeatable); none means everything.") var category: [DataCategory] = []
        @Option(help: "Staff id of the owner (default: $LETHE_AGENT).") var agent: String?

        /// Places the hold, owned by the operator's staff id, and prints its id; an unknown account or an
        /// empty reason exits 2.
        func run() async throws {
            let id = try AccountsCommand.parseID(account)
            let categories = Set(category)
            let runtime = try await self.runtime.open()
            let hold = try await AccountsCommand.run {
                try await runtime.holds().place(
                    id,
                    categories: categories,
                    reason: reason,
                    owner: "staff:\(AccountsCommand.agent(agent))"
                )
            }
            print("placed \(hold.id) on \(id)")
        }
    }

    /// `lethe holds list`: the holds in force (with `--all`, released ones too), with owner, scope and reason.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Holds in force (or all with --all).")
        /// Prints one hold per line.
        @OptionGroup var runtime: RuntimeOptions
        @Flag(help: "Include released holds.") var all = false
        func run() async throws {
            let holds = try await self.runtime.open().evidence.holds(includeReleased: all)
            for hold in holds {
                let scope =
                    hold.categories.isEmpty
                    ? "everything" : hold.categories.map(\.rawValue).sorted().joined(separator: ",")
                let state = hold.releasedAt.map { "released \(InstantParsing.iso($0))" } ?? "in force"
                print("\(hold.id)  \(hold.accountID)  \(scope)  \(hold.owner)  \(state)  \(hold.reason)")
            }
            if holds.isEmpty { print("no holds") }
        }
    }

    /// `lethe holds release`: ends a hold; any deletion it was blocking is queued to run again at once.
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a hold; erasures it blocked are rescheduled."
        )
        /// Releases the hold (audited); a hold that is unknown or already released exits 2.
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The hold id.") var id: String
        @Option(help: "Staff id (default: $LETHE_AGENT).") var agent: String?
        func run() async throws {
            let runtime = try await self.runtime.open()
            guard
                try await runtime.holds().release(
                    id,
                    by: "staff:\(AccountsCommand.agent(agent))"
                )
            else { throw CLIError.badInput("no hold \(id) in force") }
            print("released \(id)")
        }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe outbox`: one delivery pass by hand, and the notices that will not be delivered.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Deliver queued notifications through the configured channel; list those that failed.",
        subcommands: [Deliver.self, Failed.self]
    )

    /// `lethe outbox deliver`: hands every due notice to the transport once, outside the worker.
    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver what is due (mail folder <data>/mail by default)."
        )
        /// Delivers up to 1,000 due notices and prints how many went and how many wait for a retry.
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            let report = try await self.runtime.open().dispatcher().dispatch(limit: 1000)
            print("delivered \(report.delivered), failed \(report.failed) (will retry)")
        }
    }

    /// `lethe outbox failed`: the notices that bounced or ran out of attempts, with why.
    struct Failed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List notices that will not be delivered (bounced, or out of attempts), newest first."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "At most this many.") var limit: Int = 100

        /// Refuses a limit outside 1–10,000.
        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
        }

        /// Prints one line per notice: id, kind, account, attempts, when queued, and the error.
        func run() async throws {
            let failed = try await self.runtime.open().administration.failedNotices(limit: limit)
            if failed.isEmpty { print("no failed notices") }
            for notice in failed {
                print(
                    "lethe-\(notice.id)  \(notice.kind)  \(notice.accountID ?? "-")  \(notice.attempts) attempts  "
                        + InstantParsing.iso(notice.createdAt) + "  \(notice.lastError ?? "")"
                )
            }
        }
    }
}

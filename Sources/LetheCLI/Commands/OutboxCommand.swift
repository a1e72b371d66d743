import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe outbox deliver`: one delivery pass.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Deliver queued notifications through the configured channel.",
        subcommands: [Deliver.self]
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
}

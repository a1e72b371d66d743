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

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver what is due (mail folder <data>/mail by default)."
        )
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            let report = try await self.runtime.open().dispatcher().dispatch(limit: 1000)
            print("delivered \(report.delivered), failed \(report.failed) (will retry)")
        }
    }
}

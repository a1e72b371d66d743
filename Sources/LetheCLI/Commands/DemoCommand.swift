import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe demo`: a fictional data set to try Lethe on.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a clearly fictional demo data set (accounts with orders, cards, consents, support history)."
    )

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "How many accounts.") var accounts: Int = 300
    @Option(help: "Seed for the generator, so the same data comes back.") var seed: UInt64 = 20_261_123

    /// Refuses an account count outside 1–20,000 before anything is opened.
    func validate() throws {
        guard (1...20_000).contains(accounts) else { throw ValidationError("--accounts must be 1 to 20000") }
    }

    /// Loads the data set into an empty data folder (creating a development key if none exists) and prints
    /// what it made; a folder that already holds accounts is refused (exit 1), so real data is never mixed in.
    func run() async throws {
        let runtime = try await self.runtime.open(createKeyIfMissing: true)
        let existing = try await runtime.oversight.accountCount()
        guard existing == 0 else {
            throw CLIError.failed(
                "\(runtime.configuration.dataFolder) already holds \(existing) accounts; use --data for a fresh folder"
            )
        }
        let started = Date()
        let demo = runtime.demoData(random: SeededRandomSource(seed: seed))
        let total = accounts
        let summary = try await demo.load(count: total) { done in
            if done % 5 == 0 || done == total { Terminal.progress("loading demo data: \(done)/\(total) accounts") }
        }
        Terminal.endProgress()
        let seconds = Date().timeIntervalSince(started)
        print(
            "loaded \(summary.accounts.count) accounts, \(summary.orders) orders, \(summary.paymentMethods) cards, "
                + "\(summary.consents) consent records, \(summary.supportInteractions) support interactions, "
                + "\(summary.dormant) long-deactivated accounts "
                + "into \(runtime.storeLocation) in \(String(format: "%.1f", seconds)) s"
        )
        print("try: lethe accounts show \(summary.accounts.first.map(\.description) ?? "TR-00000")")
    }
}

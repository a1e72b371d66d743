import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe purge`: one pass of the retention scheduler, for cron or a systemd timer.
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Erase everything whose grace or retention period has ended (Policies/retention.yaml), once.",
        discussion: """
            Holds come first: a legal hold, an open request about the same customer, or a recourse period \
            (PIPEDA s.8(8)) keeps data, and the report says which and why. Work goes in batches, each its own \
            transaction with a checkpoint; a killed run is closed and finished by the next one. Exit status: \
            0 when all due work is done, 1 when some is left (the reason is printed), 2 for bad input, \
            75 when another purge holds the lease (retry later, or pass --wait).
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Flag(help: "Print what would be purged, per rule and category (counts only), and change nothing.")
    var dryRun = false
    @Option(
        help: "Apply the rules as of this date (the end of that day, UTC) or ISO 8601 instant, for drills and tests."
    )
    var asOf: String?
    @Flag(help: "Wait for another running purge to finish instead of exiting with status 75.")
    var wait = false
    @Option(help: "Records per batch (one transaction each).") var batchSize: Int = 500
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "List the latest purge runs instead of running one.") var history = false

    /// Refuses a batch size outside 1–100,000.
    func validate() throws {
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000") }
    }

    /// Runs one pass (or, with `--history`, lists recent runs) and prints the report; exits 1 when due work
    /// is left undone, 75 when another purge holds the lease.
    func run() async throws {
        let clock: any WallClock = try asOf.map { FixedWallClock(try Self.asOfInstant($0)) } ?? SystemWallClock()
        let runtime = try await self.runtime.open(clock: clock)
        if history {
            try await printHistory(runtime)
            return
        }
        let scheduler = runtime.retentionScheduler(
            worker: "purge-\(ProcessInfo.processInfo.processIdentifier)",
            batchSize: batchSize
        )
        let report: PurgeReport
        do {
            report = try await scheduler.run(dryRun: dryRun, wait: wait) { Terminal.progress($0) }
        } catch let error as PurgeError {
            Terminal.endProgress()
            if case .busy = error { throw CLIError(message: error.description, code: 75) }
            throw CLIError.failed(error.description)
        }
        Terminal.endProgress()
        print(json ? report.json(pretty: true) : report.text())
        guard report.isComplete else {
            let reasons =
                report.failures + report.rules.flatMap { rule in rule.failures.map { "\(rule.ruleID): \($0)" } }
            throw CLIError.failed("purge incomplete: " + reasons.joined(separator: "; "))
        }
    }

    /// A bare date is the end of that day in UTC, so `--as-of 2029-01-31` includes everything due that day.
    static func asOfInstant(_ text: String) throws(CLIError) -> Date {
        if let date = LocalDate(text) {
            return Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch + 1) * 86_400)
        }
        return try InstantParsing.instant(text, option: "--as-of", zone: TimeZone(identifier: "UTC") ?? .current)
    }

    private func printHistory(_ runtime: Runtime) async throws {
        let runs = try await runtime.evidence.purgeRuns(limit: 20)
        if runs.isEmpty { print("no purge runs yet") }
        for run in runs {
            let total = run.counts.map(\.records).reduce(0, +)
            let finished = run.finishedAt.map { InstantParsing.iso($0) } ?? "-"
            print(
                "\(run.id)  \(run.status.rawValue)  as of \(InstantParsing.iso(run.asOf))  started \(InstantParsing.iso(run.startedAt))  finished \(finished)  purged \(total)"
            )
        }
    }
}

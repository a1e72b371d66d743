import ArgumentParser
import Foundation
import LetheCore
import LetheEngine
import Logging
import ServiceLifecycle
import UnixSignals

/// `lethe worker`: the job queue, notices, the deadline watch and the retention scheduler, continuously.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run jobs, deliver notices, watch deadlines and purge on schedule until SIGTERM or SIGINT.",
        discussion: """
            On SIGTERM or SIGINT the worker finishes the batch in hand, ends a purge run on record and releases \
            its leases, then exits 0. Several workers may share one database: jobs are leased, and only one \
            purge runs at a time (the others skip it until their next purge interval).
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Seconds between passes over the job queue and the outbox.") var interval: Double = 10
    @Option(help: "Seconds between purge runs (0 turns the purge off in this worker).") var purgeInterval: Double =
        3600
    @Option(help: "Records per purge batch.") var batchSize: Int = 500
    @Option(
        help: """
            Seconds a job stays leased to this worker: if it dies, another worker takes the job after this long. \
            Keep it above the time a batch of 20 jobs takes.
            """
    )
    var lease: Double = 300
    @Option(help: "Worker name recorded on leases.") var worker: String =
        "worker-\(ProcessInfo.processInfo.processIdentifier)"

    /// Refuses a batch size outside 1–100,000 or an interval outside (0, 86,400] seconds.
    func validate() throws {
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000") }
        guard interval > 0, interval <= 86_400 else { throw ValidationError("--interval must be 0 to 86400 seconds") }
    }

    /// Runs the worker service until a signal stops it, showing each tick's counts on a terminal; a negative
    /// purge interval or a lease outside 1–86,400 seconds exits 2.
    func run() async throws {
        guard purgeInterval >= 0 else { throw CLIError.badInput("--purge-interval must not be negative") }
        guard lease >= 1, lease <= 86_400 else { throw CLIError.badInput("--lease must be 1 to 86400 seconds") }
        let runtime = try await self.runtime.open()
        let logger = Logger(label: "lethe.worker")
        let service = WorkerService(
            jobs: runtime.jobRunner(worker: worker, lease: lease),
            dispatcher: runtime.dispatcher(),
            requests: runtime.requests(),
            purge: purgeInterval > 0 ? runtime.retentionScheduler(worker: worker, batchSize: batchSize) : nil,
            agents: runtime.dataRightsProtocol(),
            clock: runtime.clock,
            interval: .milliseconds(Int64(interval * 1000)),
            purgeInterval: purgeInterval,
            logger: logger,
            onTick: { tick in
                var parts = ["jobs \(tick.jobs.completed) done"]
                if tick.jobs.retried + tick.jobs.dead > 0 {
                    parts.append("\(tick.jobs.retried) retry, \(tick.jobs.dead) dead")
                }
                parts.append("notices \(tick.delivered)")
                if let purge = tick.purge {
                    parts.append("purge \(purge.status.rawValue): \(purge.purgedTotal) purged")
                }
                Terminal.progress("worker: " + parts.joined(separator: ", "))
            }
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: KeyringWatch(runtime: runtime, role: worker)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        Terminal.note("worker \(worker) started on \(runtime.storeLocation); SIGTERM or Ctrl-C stops it")
        try await group.run()
        Terminal.endProgress()
        Terminal.note("worker \(worker) stopped")
    }
}

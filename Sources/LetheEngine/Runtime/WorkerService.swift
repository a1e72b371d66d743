import Foundation
import LetheCore
import LetheStore
import Logging
import ServiceLifecycle

/// The long-running worker: every interval it runs due jobs, delivers notices and watches deadlines,
/// and every purge interval it runs the retention scheduler. On SIGTERM (graceful shutdown) it finishes
/// the batch in hand, ends a purge run on record, releases its leases and returns.
public struct WorkerService: Service {
    let jobs: JobRunner
    let dispatcher: OutboxDispatcher
    let requests: RequestService?
    let purge: RetentionScheduler?
    /// Pushes status changes to authorized agents' callbacks, when the DRP endpoint is configured.
    let agents: DRPService?
    let clock: any WallClock
    let interval: Duration
    let purgeInterval: TimeInterval
    let logger: Logger
    /// Called after every tick with what it did: the CLI prints it on a terminal.
    let onTick: @Sendable (WorkerTick) -> Void

    /// Creates the worker. Services left nil are skipped: no deadline watch without `requests`, no purge
    /// without `purge`, no DRP pushes without `agents`. `onTick` hears what each tick did.
    public init(
        jobs: JobRunner,
        dispatcher: OutboxDispatcher,
        requests: RequestService?,
        purge: RetentionScheduler?,
        agents: DRPService? = nil,
        clock: any WallClock,
        interval: Duration,
        purgeInterval: TimeInterval,
        logger: Logger = Logger(label: "lethe.worker"),
        onTick: @escaping @Sendable (WorkerTick) -> Void = { _ in }
    ) {
        self.jobs = jobs
        self.dispatcher = dispatcher
        self.requests = requests
        self.purge = purge
        self.agents = agents
        self.clock = clock
        self.interval = interval
        self.purgeInterval = purgeInterval
        self.logger = logger
        self.onTick = onTick
    }

    /// Runs until graceful shutdown. A failing tick is logged (its error type only) and tried again after
    /// `interval`; the worker itself does not stop on errors, so this does not throw in practice.
    public func run() async throws {
        var lastPurge: Date?
        logger.info("worker started", metadata: ["interval": "\(interval)", "purge-interval": "\(purgeInterval)"])
        while !Task.isShuttingDownGracefully {
            var tick = WorkerTick()
            do {
                // Jobs a batch at a time, so a shutdown waits for one batch at most.
                while !Task.isShuttingDownGracefully {
                    let pass = try await jobs.runOnce(limit: 20)
                    tick.jobs.completed += pass.completed
                    tick.jobs.retried += pass.retried
                    tick.jobs.dead += pass.dead
                    if pass.completed + pass.retried + pass.dead == 0 { break }
                }
                if let agents { try await agents.pushStatusChanges() }
                tick.delivered = try await dispatcher.dispatch(limit: 200).delivered
                if let requests { tick.alerts = try await requests.watch().alertsRaised }
                if var purge, !Task.isShuttingDownGracefully,
                    lastPurge.map({ clock.now().timeIntervalSince($0) >= purgeInterval }) ?? true
                {
                    purge.shouldStop = { Task.isShuttingDownGracefully }
                    do {
                        tick.purge = try await purge.run(dryRun: false)
                        lastPurge = clock.now()
                    } catch let error as PurgeError {
                        // Another node's purge holds the lease: it does the work; try again next interval.
                        if case .busy = error { lastPurge = clock.now() }
                        logger.notice("purge not run", metadata: ["reason": "\(error)"])
                    }
                }
            } catch {
                // A store error must not kill the worker: log without values and try again next tick.
                logger.error("worker tick failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            }
            onTick(tick)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        logger.info("worker stopped")
    }
}

/// What one worker tick did.
public struct WorkerTick: Sendable {
    /// Jobs completed, retried and dead-lettered in this tick.
    public var jobs = JobRunReport()
    /// Notices delivered in this tick.
    public var delivered = 0
    /// New deadline alerts raised in this tick.
    public var alerts = 0
    /// The purge run's report, when a purge ran in this tick.
    public var purge: PurgeReport?

    /// An empty tick.
    public init() {}
}

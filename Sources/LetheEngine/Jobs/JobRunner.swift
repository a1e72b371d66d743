import Foundation
import LetheCore
import LetheStore
import Logging

/// Does the work of a ``Job``. Implementations switch over the job exhaustively, so a new kind of job
/// without a handler does not compile.
///
/// Handlers must be idempotent (keyed on the job or request id): a worker that dies after the work but
/// before recording it makes the job run again, and the second run must change nothing.
public protocol JobHandler: Sendable {
    /// Runs `job`, leased as `lease` (its attempt count and row id, for handlers that log them).
    func run(_ job: Job, lease: LeasedJob) async throws
}

/// What one pass of the runner did.
public struct JobRunReport: Sendable, Equatable {
    /// Jobs whose handler finished and whose completion was recorded under this worker's lease.
    public var completed = 0
    /// Jobs that failed and were scheduled to run again after a backoff.
    public var retried = 0
    /// Jobs that failed their last attempt and were dead-lettered; an operator must look at these.
    public var dead = 0
    /// Jobs another worker took over because this worker's lease ran out; that worker records the result.
    public var lostLeases = 0

    /// A report with the given counts (all zero by default), to add one pass's counts to another's.
    public init(completed: Int = 0, retried: Int = 0, dead: Int = 0, lostLeases: Int = 0) {
        self.completed = completed
        self.retried = retried
        self.dead = dead
        self.lostLeases = lostLeases
    }
}

/// Leases ready jobs, runs their handlers, and records the outcome: done, retry with exponential
/// backoff, or dead-letter after the last attempt.
public struct JobRunner: Sendable {
    let store: any JobRepository
    let handler: any JobHandler
    let clock: any WallClock
    let worker: String
    /// How long a leased job is reserved for this worker (seconds); after that another worker may take it.
    public var lease: TimeInterval = 300
    /// The wait before a failed job's first retry (seconds); it doubles with each further attempt.
    public var baseBackoff: TimeInterval = 30
    /// The longest wait between retries (seconds), however many attempts have failed.
    public var maxBackoff: TimeInterval = 3600
    /// Only these job kinds when set (the purge runs erasures only).
    public var kinds: Set<JobKind>?
    /// How many jobs of one batch run at once (1 by default). The runtime sets one per core on SQLite,
    /// where jobs side by side share commits; on PostgreSQL each would wait for the advisory lock while
    /// holding a connection.
    public var concurrency = 1
    let logger: Logger

    /// Creates a runner that leases jobs from `store` in the name of `worker` (its host and process, as
    /// shown to operators) and hands them to `handler`.
    public init(
        store: any JobRepository,
        handler: any JobHandler,
        clock: any WallClock,
        worker: String,
        logger: Logger = Logger(label: "lethe.jobs")
    ) {
        self.store = store
        self.handler = handler
        self.clock = clock
        self.worker = worker
        self.logger = logger
    }

    /// Runs passes of up to `batch` due jobs until one finds nothing to do, or `maxPasses` have run, and
    /// adds up what they did: `lethe jobs run` and `POST /api/v1/jobs/run` work the queue this way.
    ///
    /// - Throws: the store's errors (`StoreError`), as ``runOnce(limit:)``.
    public func runUntilIdle(batch: Int = 50, maxPasses: Int = 20) async throws -> JobRunReport {
        var total = JobRunReport()
        for _ in 0..<maxPasses {
            let report = try await runOnce(limit: batch)
            total.completed += report.completed
            total.retried += report.retried
            total.dead += report.dead
            total.lostLeases += report.lostLeases
            if report == JobRunReport() { break }
        }
        return total
    }

    /// Runs up to `limit` due jobs once.
    /// A handler's failure is recorded on the job, not thrown.
    ///
    /// - Throws: the store's errors (`StoreError`) when jobs cannot be leased or their outcome recorded.
    public func runOnce(limit: Int = 20) async throws -> JobRunReport {
        let batch = try await store.leaseJobs(
            worker: worker,
            limit: limit,
            now: clock.now(),
            lease: lease,
            kinds: kinds
        )
        guard !batch.isEmpty else { return JobRunReport() }
        // While this worker is alive its leases stay alive: a batch (or one job) that runs longer than the
        // lease is not taken over and run a second time. A dead worker stops renewing, so its leases run
        // out as before and another worker takes the jobs.
        let heartbeat = Task { [store, clock, lease, logger] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(0.05, lease / 3)))
                if Task.isCancelled { break }
                do {
                    _ = try await store.renewJobLeases(batch, now: clock.now(), lease: lease)
                } catch {
                    logger.warning("job lease renewal failed", metadata: ["error": "\(SafeErrorText.describe(error))"])
                }
            }
        }
        defer { heartbeat.cancel() }
        // Up to `concurrency` jobs of the batch run at once, as they would on that many workers: each has
        // its own lease and every handler is idempotent, so this adds no case the several-worker design
        // does not already cover. An export's CPU work then overlaps another's commit.
        var report = JobRunReport()
        var unrecorded: (any Error)?
        await withTaskGroup(of: JobOutcome.self) { group in
            var pending = batch[...]
            var running = 0
            while running < max(1, concurrency), let leased = pending.popFirst() {
                group.addTask { await self.run(leased) }
                running += 1
            }
            for await outcome in group {
                if case .unrecorded(let error) = outcome, unrecorded == nil { unrecorded = error }
                report.add(outcome)
                if let leased = pending.popFirst() { group.addTask { await self.run(leased) } }
            }
        }
        // As when the jobs ran one by one: the store's failure is the caller's to see, once every job
        // started has finished.
        if let unrecorded { throw unrecorded }
        return report
    }

    /// What running one leased job came to.
    enum JobOutcome: Sendable {
        case completed, retried, dead, lostLease
        /// The store could not record the outcome; the lease runs out and the job is run again.
        case unrecorded(any Error)
    }

    private func run(_ leased: LeasedJob) async -> JobOutcome {
        do {
            // The attempt counts from here, as the handler starts: a worker killed between leasing and
            // starting costs the job nothing, so a crash loop cannot dead-letter work that never ran.
            guard let job = try await store.startJob(leased, now: clock.now()) else { return .lostLease }
            do {
                // A row this version cannot read fails like any other attempt and is dead-lettered with
                // the reason after its last one, rather than blocking the queue.
                try await handler.run(try job.job(), lease: job)
                if try await store.completeJob(job, now: clock.now()) { return .completed }
                // Our lease ran out and another worker took the job; its run will record the result.
                logger.warning("lease lost before completion", metadata: ["job": "\(job.id)", "kind": "\(job.kind)"])
                return .lostLease
            } catch {
                let delay = min(maxBackoff, baseBackoff * pow(2, Double(max(0, job.attempts - 1))))
                let status = try await store.failJob(
                    job,
                    error: SafeErrorText.describe(error),
                    now: clock.now(),
                    retryAt: clock.now().addingTimeInterval(delay)
                )
                logger.error(
                    "job failed",
                    metadata: [
                        "job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)",
                        "status": "\(status.rawValue)",
                    ]
                )
                return status == .dead ? .dead : .retried
            }
        } catch {
            return .unrecorded(error)
        }
    }
}

extension JobRunReport {
    mutating func add(_ outcome: JobRunner.JobOutcome) {
        switch outcome {
        case .completed: completed += 1
        case .retried: retried += 1
        case .dead: dead += 1
        case .lostLease: lostLeases += 1
        case .unrecorded: break  // thrown by runOnce
        }
    }
}

/// A failure a handler reports in words (no personal values).
public struct JobFailure: Error, CustomStringConvertible {
    /// What went wrong and, where it helps, what happens next; stored on the job as its last error.
    public let message: String
    /// A failure with a message that names ids and steps, never a customer's values.
    public init(message: String) { self.message = message }
    /// The message, as logged and stored.
    public var description: String { message }
}

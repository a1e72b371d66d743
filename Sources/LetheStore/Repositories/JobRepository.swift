import Foundation
import LetheCore
import LetheCrypto

/// Durable jobs: leased with a timeout, retried with backoff, dead-lettered after the last try.
public protocol JobRepository: Sendable {
    /// Enqueues `job` as ready unless a job with the same dedupe key already exists, in any status;
    /// returns whether it was added.
    @discardableResult
    func enqueue(_ job: NewJob) async throws -> Bool
    /// Leases up to `limit` ready jobs (or jobs whose lease expired) to `worker` until `now + lease`,
    /// oldest due first, each under a fresh random token; only jobs of `kinds` when given (the purge runs
    /// erasures only). A lease that ran out on a job's last attempt dead-letters it instead. Leasing counts
    /// no attempt (see ``startJob(_:now:)``); workers leasing at once get different jobs.
    func leaseJobs(
        worker: String,
        limit: Int,
        now: Date,
        lease: TimeInterval,
        kinds: Set<JobKind>?
    ) async throws
        -> [LeasedJob]
    /// Jobs of `kinds` due at `now`: ready to lease, and leased to a worker whose lease has not run out.
    func jobBacklog(kinds: Set<JobKind>, now: Date) async throws -> (ready: Int, leased: Int)
    /// Counts an attempt as its handler starts; nil when the lease was lost. A job leased but never
    /// started (its worker killed first) loses no attempt.
    func startJob(_ job: LeasedJob, now: Date) async throws -> LeasedJob?
    /// Frees the leases a dead process held (workers name themselves `NAME@HOST:PID`); returns how many.
    func releaseJobLeases(ofProcess host: String, pid: Int32) async throws -> Int
    /// Jobs that gave up, oldest first.
    func deadJobs(limit: Int) async throws -> [DeadJob]
    /// Puts a dead job back in the queue with fresh attempts, audited; false when it is not dead.
    func requeueDeadJob(_ id: Int64, by actor: String, reason: String, at: Date) async throws -> Bool
    /// Extends the leases this worker still holds on `jobs` to `now + lease` (the holder's heartbeat while
    /// a batch runs); a job finished, failed or taken over by another worker is left alone. Returns how
    /// many leases were extended.
    func renewJobLeases(_ jobs: [LeasedJob], now: Date, lease: TimeInterval) async throws -> Int
    /// Marks a job done; false when the lease was lost (expired and taken by another worker).
    func completeJob(_ job: LeasedJob, now: Date) async throws -> Bool
    /// Records a failure: back to ready at `retryAt`, or dead after its last attempt.
    func failJob(_ job: LeasedJob, error: String, now: Date, retryAt: Date) async throws -> JobStatus
    /// How many jobs are in each status.
    func jobCounts() async throws -> [JobStatus: Int]
}

extension JobRepository {
    /// Leases jobs of every kind.
    public func leaseJobs(worker: String, limit: Int, now: Date, lease: TimeInterval) async throws -> [LeasedJob] {
        try await leaseJobs(worker: worker, limit: limit, now: now, lease: lease, kinds: nil)
    }
}

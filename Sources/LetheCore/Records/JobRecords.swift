import Foundation

/// Work to run later, durably: leased by one worker at a time, retried, dead-lettered.
public struct NewJob: Sendable, Equatable {
    /// What to do, typed; stored as its kind name and payload.
    public let job: Job
    /// At most one job per key ever exists, so enqueueing twice is harmless.
    public let dedupeKey: String
    /// Not leased before this instant.
    public let runAt: Date
    /// Attempts before the job is dead-lettered.
    public let maxAttempts: Int

    /// A job to enqueue; five attempts by default.
    public init(_ job: Job, dedupeKey: String, runAt: Date, maxAttempts: Int = 5) {
        self.job = job
        self.dedupeKey = dedupeKey
        self.runAt = runAt
        self.maxAttempts = maxAttempts
    }

    /// The stored kind name.
    public var kind: String { job.kind.rawValue }
    /// The request the job works on, if any.
    public var requestID: RequestID? { job.requestID }
    /// The stored payload text.
    public var payload: String { job.payload }
}

/// A job a worker holds until `leaseExpiresAt`; only the holder of `token` may finish it.
///
/// The row's kind and payload stay as stored so that a row this version cannot read (written by a newer
/// one, or damaged) can still be leased and dead-lettered with the reason; ``job()`` reads it.
public struct LeasedJob: Sendable, Equatable {
    /// The job's row id.
    public let id: Int64
    /// The stored kind name.
    public let kind: String
    /// The request it works on, if any.
    public let requestID: RequestID?
    /// The stored payload text.
    public let payload: String
    /// Attempts so far, this one included.
    public let attempts: Int
    /// Attempts allowed before it is dead-lettered.
    public let maxAttempts: Int
    /// The random lease token; only its holder may complete or fail the job.
    public let token: String
    /// After this instant another worker may lease the job.
    public let leaseExpiresAt: Date

    /// The typed job this row holds.
    ///
    /// - Throws: ``JobDecodingError`` when the row's kind or payload cannot be read.
    public func job() throws(JobDecodingError) -> Job {
        try Job(kind: kind, requestID: requestID, payload: payload)
    }

    /// Makes the value from each of its parts.
    public init(
        id: Int64,
        kind: String,
        requestID: RequestID? = nil,
        payload: String,
        attempts: Int,
        maxAttempts: Int,
        token: String,
        leaseExpiresAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.requestID = requestID
        self.payload = payload
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.token = token
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// A job that gave up after its last attempt, for an operator to inspect and requeue.
public struct DeadJob: Sendable, Equatable {
    /// The job's row id, for requeueing.
    public let id: Int64
    /// The stored kind name.
    public let kind: String
    /// The request it worked on, if any.
    public let requestID: RequestID?
    /// Attempts made.
    public let attempts: Int
    /// The error of the last attempt.
    public let lastError: String?
    /// When it gave up.
    public let deadSince: Date?

    /// Makes the value from each of its parts.
    public init(
        id: Int64,
        kind: String,
        requestID: RequestID? = nil,
        attempts: Int,
        lastError: String? = nil,
        deadSince: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.requestID = requestID
        self.attempts = attempts
        self.lastError = lastError
        self.deadSince = deadSince
    }
}

/// Where a job stands: waiting, leased by a worker, done, or dead-lettered after its last attempt.
public enum JobStatus: String, Sendable, CaseIterable {
    case ready, leased, done, dead
}

import Foundation
import LetheCore

/// A verification code as stored: only its keyed hash, never the digits.
public struct VerificationCodeRecord: Sendable, Equatable {
    public let hash: [UInt8]
    public let createdAt: Date
    public let expiresAt: Date
    public let attempts: Int
    public let locked: Bool
    /// Blind index of the address the code went to, for rate limits per address.
    public let addressIndex: [UInt8]

    public init(
        hash: [UInt8],
        createdAt: Date,
        expiresAt: Date,
        attempts: Int = 0,
        locked: Bool = false,
        addressIndex: [UInt8]
    ) {
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.locked = locked
        self.addressIndex = addressIndex
    }
}

/// A request to record at intake, with everything that must be durable before it is acknowledged.
public struct NewRequestRecord: Sendable {
    /// The request with its first lifecycle events already applied.
    public let request: PrivacyRequest
    public let channel: RequestChannel
    /// Whose key seals this request's personal values: the account id, or the request id for an unknown person.
    public let subjectID: String
    public let agentID: String?
    public let requesterEmail: String?
    public let idempotencyKey: String?
    public let schedule: DeadlineSchedule
    /// What a consent change asks: purpose id → granted.
    public let consentChanges: [String: Bool]
    public let code: VerificationCodeRecord?
    public let messages: [OutboxMessage]
    public let audit: [AuditEvent]

    public init(
        request: PrivacyRequest,
        channel: RequestChannel,
        subjectID: String,
        agentID: String?,
        requesterEmail: String?,
        idempotencyKey: String?,
        schedule: DeadlineSchedule,
        consentChanges: [String: Bool] = [:],
        code: VerificationCodeRecord?,
        messages: [OutboxMessage],
        audit: [AuditEvent]
    ) {
        self.request = request
        self.channel = channel
        self.subjectID = subjectID
        self.agentID = agentID
        self.requesterEmail = requesterEmail
        self.idempotencyKey = idempotencyKey
        self.schedule = schedule
        self.consentChanges = consentChanges
        self.code = code
        self.messages = messages
        self.audit = audit
    }
}

/// What intake did with a submission.
public enum IntakeOutcome: Sendable, Equatable {
    case created(RequestID)
    /// The idempotency key was seen before: this is that request.
    case repeated(RequestID)
    /// An open request of the same kind exists for the customer; the submission was linked to it.
    case linked(RequestID)

    public var requestID: RequestID {
        switch self {
        case .created(let id), .repeated(let id), .linked(let id): return id
        }
    }
}

/// A request as stored, decrypted for the caller.
public struct StoredRequest: Sendable {
    public let request: PrivacyRequest
    public let channel: RequestChannel
    public let subjectID: String
    public let agentID: String?
    public let requesterEmail: String?
    public let schedule: DeadlineSchedule
    public let assignee: String?
    public let pauses: [StoredPause]
    public let extensionNotice: ExtensionNotice?
    public let completedAt: Date?
    public let linkedSubmissions: Int
    /// The authorized agent's proof of permission, when recorded (decrypted).
    public let agentPermission: String?
    public let agentPermissionAt: Date?
    /// When the customer confirmed directly that the agent acts for them.
    public let customerConfirmedAt: Date?
    /// What a consent change asks: purpose id → granted.
    public let consentChanges: [String: Bool]
}

/// A clock stop; `to` is nil while it lasts.
public struct StoredPause: Sendable, Equatable {
    public let from: LocalDate
    public let to: LocalDate?
    public let reason: PauseReason
}

/// One line of the queue listing.
public struct RequestSummary: Sendable, Equatable {
    public let id: RequestID
    public let kind: RequestKind
    public let accountID: AccountID?
    public let jurisdiction: String
    public let status: RequestStatus
    public let channel: RequestChannel
    public let receivedAt: Date
    /// The deadline that binds now (extended or response).
    public let due: LocalDate
    public let internalTarget: LocalDate
    public let assignee: String?
}

/// Filters for the queue.
public struct RequestQuery: Sendable {
    public var statuses: Set<RequestStatus>?
    public var kind: RequestKind?
    public var jurisdiction: String?
    public var assignee: String?
    public var dueOnOrBefore: LocalDate?
    public var accountID: AccountID?
    public var limit: Int

    public init(
        statuses: Set<RequestStatus>? = nil,
        accountID: AccountID? = nil,
        kind: RequestKind? = nil,
        jurisdiction: String? = nil,
        assignee: String? = nil,
        dueOnOrBefore: LocalDate? = nil,
        limit: Int = 50
    ) {
        self.statuses = statuses
        self.accountID = accountID
        self.kind = kind
        self.jurisdiction = jurisdiction
        self.assignee = assignee
        self.dueOnOrBefore = dueOnOrBefore
        self.limit = limit
    }

    /// Every status that still needs work.
    public static let open: Set<RequestStatus> = Set(RequestStatus.allCases.filter { !$0.isTerminal })
}

/// A change to a request's recorded state, applied together with its lifecycle event.
public struct RequestUpdate: Sendable {
    public var event: LifecycleEvent?
    /// New deadlines and why they changed (kept in the history).
    public var schedule: (DeadlineSchedule, cause: String)?
    public var startPause: (LocalDate, PauseReason)?
    public var endPause: LocalDate?
    public var extensionNotice: ExtensionNotice?
    public var assignee: String?
    public var completedAt: Date?
    public var agentPermission: (proof: String, at: Date)?
    public var customerConfirmedAt: Date?
    public var messages: [OutboxMessage]
    public var audit: [AuditEvent]
    public var jobs: [NewJob]

    public init(
        event: LifecycleEvent? = nil,
        schedule: (DeadlineSchedule, cause: String)? = nil,
        startPause: (LocalDate, PauseReason)? = nil,
        endPause: LocalDate? = nil,
        extensionNotice: ExtensionNotice? = nil,
        assignee: String? = nil,
        completedAt: Date? = nil,
        agentPermission: (proof: String, at: Date)? = nil,
        customerConfirmedAt: Date? = nil,
        messages: [OutboxMessage] = [],
        audit: [AuditEvent] = [],
        jobs: [NewJob] = []
    ) {
        self.event = event
        self.schedule = schedule
        self.startPause = startPause
        self.endPause = endPause
        self.extensionNotice = extensionNotice
        self.assignee = assignee
        self.completedAt = completedAt
        self.agentPermission = agentPermission
        self.customerConfirmedAt = customerConfirmedAt
        self.messages = messages
        self.audit = audit
        self.jobs = jobs
    }
}

/// One entry of a request's deadline history.
public struct DeadlineChange: Sendable, Equatable {
    public let at: Date
    public let cause: String
    public let acknowledgementDue: LocalDate?
    public let responseDue: LocalDate
    public let extendedDue: LocalDate?
    public let internalTarget: LocalDate
}

/// Work to run later, durably: leased by one worker at a time, retried, dead-lettered.
public struct NewJob: Sendable, Equatable {
    /// What to do, typed; stored as its kind name and payload.
    public let job: Job
    /// At most one job per key ever exists, so enqueueing twice is harmless.
    public let dedupeKey: String
    public let runAt: Date
    public let maxAttempts: Int

    public init(_ job: Job, dedupeKey: String, runAt: Date, maxAttempts: Int = 5) {
        self.job = job
        self.dedupeKey = dedupeKey
        self.runAt = runAt
        self.maxAttempts = maxAttempts
    }

    var kind: String { job.kind.rawValue }
    var requestID: RequestID? { job.requestID }
    var payload: String { job.payload }
}

/// A job a worker holds until `leaseExpiresAt`; only the holder of `token` may finish it.
///
/// The row's kind and payload stay as stored so that a row this version cannot read (written by a newer
/// one, or damaged) can still be leased and dead-lettered with the reason; ``job()`` reads it.
public struct LeasedJob: Sendable, Equatable {
    public let id: Int64
    /// The stored kind name.
    public let kind: String
    public let requestID: RequestID?
    public let payload: String
    public let attempts: Int
    public let maxAttempts: Int
    public let token: String
    public let leaseExpiresAt: Date

    /// The typed job this row holds.
    ///
    /// - Throws: ``JobDecodingError`` when the row's kind or payload cannot be read.
    public func job() throws(JobDecodingError) -> Job {
        try Job(kind: kind, requestID: requestID, payload: payload)
    }
}

/// A job that gave up after its last attempt, for an operator to inspect and requeue.
public struct DeadJob: Sendable, Equatable {
    public let id: Int64
    /// The stored kind name.
    public let kind: String
    public let requestID: RequestID?
    public let attempts: Int
    public let lastError: String?
    public let deadSince: Date?
}

public enum JobStatus: String, Sendable, CaseIterable {
    case ready, leased, done, dead
}

/// A due-soon or overdue alert already raised for a request.
public struct RequestAlert: Sendable, Equatable {
    public let requestID: RequestID
    public let threshold: String
    public let level: String
    public let at: Date

    public init(requestID: RequestID, threshold: String, level: String, at: Date) {
        self.requestID = requestID
        self.threshold = threshold
        self.level = level
        self.at = at
    }
}

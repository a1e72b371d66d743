import Foundation

/// A verification code as stored: only its keyed hash, never the digits.
public struct VerificationCodeRecord: Sendable, Equatable {
    /// The code's keyed hash (under the token-hashing key); the digits are never stored.
    public let hash: [UInt8]
    /// When the code was issued.
    public let createdAt: Date
    /// After this instant the code no longer verifies.
    public let expiresAt: Date
    /// Wrong tries so far.
    public let attempts: Int
    /// Whether too many wrong tries locked the code; the customer must ask for a new one.
    public let locked: Bool
    /// Blind index of the address the code went to, for rate limits per address.
    public let addressIndex: [UInt8]

    /// A code record as issued (no attempts, unlocked) or read back.
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
    /// How the request arrived.
    public let channel: RequestChannel
    /// Whose key seals this request's personal values: the account id, or the request id for an unknown person.
    public let subjectID: String
    /// The authorized agent acting for the customer, if any.
    public let agentID: String?
    /// Where to reach the requester when no account is known; personal, sealed under ``subjectID``'s key.
    public let requesterEmail: String?
    /// The caller's key for retries: a second submission with it returns the first request.
    public let idempotencyKey: String?
    /// The deadlines computed at intake.
    public let schedule: DeadlineSchedule
    /// What a consent change asks: purpose id → granted.
    public let consentChanges: [String: Bool]
    /// The one-time code sent to verify identity, if one was.
    public let code: VerificationCodeRecord?
    /// Notices to send once the intake commits (acknowledgement, code).
    public let messages: [OutboxMessage]
    /// Audit entries written in the same transaction.
    public let audit: [AuditEvent]
    /// Who works the request from the start: `supervisors` when intake raised an alert.
    public var assignee: String?
    /// Alerts raised at intake (an email conflict, an agent the customer cannot confirm), each once.
    public var alerts: [RequestAlert] = []
    /// Consent ledger entries a withdrawal verified at intake takes effect with (GDPR Art 7(3)).
    public var consents: [ConsentRecord] = []
    /// Recipients a verified opt-out is passed on to (CCPA §7026(f)), with the action they are asked for.
    public var recipients: (ids: [String], action: String, at: Date)?
    /// Jobs queued with the request (one per recipient told).
    public var jobs: [NewJob] = []
    /// When the request was completed at intake (a consent change with nobody to pass it on to).
    public var completedAt: Date?
    /// What a correction request asks; sealed under the subject's key in the request's row.
    public var correction: Correction?
    /// For an appeal: the refused request it appeals. One appeal per request: a second is linked.
    public var appealOf: RequestID?
    /// For an appeal: the customer's grounds, in their words; sealed like the correction.
    public var grounds: String?

    /// Everything intake stores in one transaction.
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
    /// A new request was recorded.
    case created(RequestID)
    /// The idempotency key was seen before: this is that request.
    case repeated(RequestID)
    /// An open request of the same kind exists for the customer; the submission was linked to it.
    case linked(RequestID)

    /// The request the submission ended up in, whichever the outcome.
    public var requestID: RequestID {
        switch self {
        case .created(let id), .repeated(let id), .linked(let id): return id
        }
    }
}

/// A request as stored, decrypted for the caller.
public struct StoredRequest: Sendable {
    /// The request with its full lifecycle, replayed from its events.
    public var request: PrivacyRequest
    /// How it arrived.
    public let channel: RequestChannel
    /// Whose key seals its personal values: the account id, or the request id for an unknown person.
    public let subjectID: String
    /// The authorized agent acting for the customer, if any.
    public let agentID: String?
    /// The requester's email when no account is known (decrypted).
    public let requesterEmail: String?
    /// The current deadlines, after any pause or extension.
    public var schedule: DeadlineSchedule
    /// The staff member working it, if assigned.
    public var assignee: String?
    /// Every clock stop, the open one last.
    public var pauses: [StoredPause]
    /// The extension notice, once sent (its reason decrypted).
    public var extensionNotice: ExtensionNotice?
    /// When it was completed.
    public var completedAt: Date?
    /// How many later submissions of the same kind were linked to it instead of opening a new request.
    public let linkedSubmissions: Int
    /// The authorized agent's proof of permission, when recorded (decrypted).
    public let agentPermission: String?
    /// When the agent's proof of permission was recorded.
    public let agentPermissionAt: Date?
    /// When the customer confirmed directly that the agent acts for them.
    public let customerConfirmedAt: Date?
    /// What a consent change asks: purpose id → granted.
    public let consentChanges: [String: Bool]
    /// What a correction asks (decrypted); nil for other kinds, and after the subject's erasure.
    public var correction: Correction?
    /// For an appeal: the refused request it appeals.
    public var appealOf: RequestID?
    /// For an appeal: the customer's grounds (decrypted); `(erased)` after the subject's erasure.
    public var grounds: String?

    /// Makes the value from each of its parts.
    public init(
        request: PrivacyRequest,
        channel: RequestChannel,
        subjectID: String,
        agentID: String? = nil,
        requesterEmail: String? = nil,
        schedule: DeadlineSchedule,
        assignee: String? = nil,
        pauses: [StoredPause],
        extensionNotice: ExtensionNotice? = nil,
        completedAt: Date? = nil,
        linkedSubmissions: Int,
        agentPermission: String? = nil,
        agentPermissionAt: Date? = nil,
        customerConfirmedAt: Date? = nil,
        consentChanges: [String: Bool],
        correction: Correction? = nil,
        appealOf: RequestID? = nil,
        grounds: String? = nil
    ) {
        self.request = request
        self.channel = channel
        self.subjectID = subjectID
        self.agentID = agentID
        self.requesterEmail = requesterEmail
        self.schedule = schedule
        self.assignee = assignee
        self.pauses = pauses
        self.extensionNotice = extensionNotice
        self.completedAt = completedAt
        self.linkedSubmissions = linkedSubmissions
        self.agentPermission = agentPermission
        self.agentPermissionAt = agentPermissionAt
        self.customerConfirmedAt = customerConfirmedAt
        self.consentChanges = consentChanges
        self.correction = correction
        self.appealOf = appealOf
        self.grounds = grounds
    }
}

/// A clock stop; `to` is nil while it lasts.
public struct StoredPause: Sendable, Equatable {
    /// The first day the clock stood still.
    public let from: LocalDate
    /// The last day, once the clock runs again.
    public let to: LocalDate?
    /// Why the clock stopped.
    public let reason: PauseReason

    /// Makes the value from each of its parts.
    public init(from: LocalDate, to: LocalDate? = nil, reason: PauseReason) {
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// One line of the queue listing.
public struct RequestSummary: Sendable, Equatable {
    /// The request's id.
    public let id: RequestID
    /// What is asked.
    public let kind: RequestKind
    /// The customer, when known.
    public let accountID: AccountID?
    /// The jurisdiction id it is answered under.
    public let jurisdiction: String
    /// Where it stands.
    public let status: RequestStatus
    /// How it arrived.
    public let channel: RequestChannel
    /// When it was received.
    public let receivedAt: Date
    /// The deadline that binds now (extended or response).
    public let due: LocalDate
    /// The controller's own earlier target date.
    public let internalTarget: LocalDate
    /// The staff member working it, if assigned.
    public let assignee: String?

    /// Makes the value from each of its parts.
    public init(
        id: RequestID,
        kind: RequestKind,
        accountID: AccountID? = nil,
        jurisdiction: String,
        status: RequestStatus,
        channel: RequestChannel,
        receivedAt: Date,
        due: LocalDate,
        internalTarget: LocalDate,
        assignee: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.accountID = accountID
        self.jurisdiction = jurisdiction
        self.status = status
        self.channel = channel
        self.receivedAt = receivedAt
        self.due = due
        self.internalTarget = internalTarget
        self.assignee = assignee
    }
}

/// Filters for the queue.
public struct RequestQuery: Sendable {
    /// Only these statuses; `nil` for all (``open`` for the working queue).
    public var statuses: Set<RequestStatus>?
    /// Only this kind.
    public var kind: RequestKind?
    /// Only this jurisdiction id.
    public var jurisdiction: String?
    /// Only requests assigned to this staff member.
    public var assignee: String?
    /// Only requests whose binding deadline is on or before this date.
    public var dueOnOrBefore: LocalDate?
    /// Only this customer's requests.
    public var accountID: AccountID?
    /// At most this many rows.
    public var limit: Int
    /// Rows to skip first, for the next page.
    public var offset: Int = 0
    /// The order of the rows: most urgent first unless asked otherwise.
    public var order: RequestOrder = .mostUrgent

    /// A query; every filter is off by default and at most 50 rows are returned.
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

/// How a list of requests is ordered; the raw values are the dashboard's `sort` parameter.
public enum RequestOrder: String, Sendable, CaseIterable {
    /// The earliest binding deadline first (the working order).
    case mostUrgent = "due"
    /// The latest binding deadline first.
    case leastUrgent = "due-desc"
    /// The most recently received first.
    case newest = "received-desc"
    /// The longest waiting first.
    case oldest = "received"
}

/// A change to a request's recorded state, applied together with its lifecycle event.
public struct RequestUpdate: Sendable {
    /// The transition to apply; the store writes it only if the request is still in its `from` status.
    public var event: LifecycleEvent?
    /// New deadlines and why they changed (kept in the history).
    public var schedule: (DeadlineSchedule, cause: String)?
    /// Stop the clock from this date for this reason.
    public var startPause: (LocalDate, PauseReason)?
    /// Restart the clock: the open pause ends on this date.
    public var endPause: LocalDate?
    /// Record the extension notice (its reason is sealed).
    public var extensionNotice: ExtensionNotice?
    /// Assign the request to this staff member.
    public var assignee: String?
    /// Record when the request was completed.
    public var completedAt: Date?
    /// Record the authorized agent's proof of permission (sealed) and when it was given.
    public var agentPermission: (proof: String, at: Date)?
    /// Record when the customer confirmed the agent acts for them.
    public var customerConfirmedAt: Date?
    /// Notices to send once the update commits.
    public var messages: [OutboxMessage]
    /// Audit entries written in the same transaction.
    public var audit: [AuditEvent]
    /// Deferred work to enqueue in the same transaction.
    public var jobs: [NewJob]

    /// An update; every part is optional and only the parts given are applied.
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
    /// When the deadlines changed.
    public let at: Date
    /// Why, e.g. intake, a pause, its end or an extension.
    public let cause: String
    /// The acknowledgement date after the change, if there is one.
    public let acknowledgementDue: LocalDate?
    /// The response date after the change.
    public let responseDue: LocalDate
    /// The extended date, once an extension was granted.
    public let extendedDue: LocalDate?
    /// The internal target after the change.
    public let internalTarget: LocalDate

    /// Makes the value from each of its parts.
    public init(
        at: Date,
        cause: String,
        acknowledgementDue: LocalDate? = nil,
        responseDue: LocalDate,
        extendedDue: LocalDate? = nil,
        internalTarget: LocalDate
    ) {
        self.at = at
        self.cause = cause
        self.acknowledgementDue = acknowledgementDue
        self.responseDue = responseDue
        self.extendedDue = extendedDue
        self.internalTarget = internalTarget
    }
}

/// A due-soon or overdue alert already raised for a request.
public struct RequestAlert: Sendable, Equatable {
    /// The request alerted about.
    public let requestID: RequestID
    /// What triggered it, e.g. `due-7`, `overdue` or `unverifiable`; one alert per threshold.
    public let threshold: String
    /// Who is told: `officer` or `supervisor`.
    public let level: String
    /// When it was raised.
    public let at: Date

    /// An alert as raised.
    public init(requestID: RequestID, threshold: String, level: String, at: Date) {
        self.requestID = requestID
        self.threshold = threshold
        self.level = level
        self.at = at
    }
}

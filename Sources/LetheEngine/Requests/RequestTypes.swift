import Foundation
import LetheCore
import LetheStore

/// A request as it arrives, from any channel.
public struct RequestSubmission: Sendable {
    /// What the requester asks for: an export, a deletion, a consent change or a deactivation.
    public var kind: RequestKind
    /// A finer statutory clock (e.g. `portability` for an export); defaults from the kind.
    public var deadlineKind: DeadlineKind?
    /// The customer the request is about, when the channel already knows them (staff, a signed-in customer).
    public var accountID: AccountID?
    /// The requester's email, used to find the account when no id is given and to answer.
    public var email: String?
    /// How the request arrived (web, email, phone, post, authorized agent), recorded as the law asks.
    public var channel: RequestChannel
    /// When the request reached the channel; defaults to now.
    public var receivedAt: Date?
    /// The governing law; defaults to the account's residence.
    public var jurisdiction: String?
    /// A client-chosen key: the same key twice returns the same request.
    public var idempotencyKey: String?
    /// The authorized agent acting for the customer, when there is one.
    public var agentID: String?
    /// For consent changes: purpose id (from `Policies/purposes.yaml`) → granted. An opt-out signal with
    /// none given withdraws every purpose the policy marks `opt-out-signal`.
    public var consentChanges: [String: Bool]
    /// For corrections: the field, the accurate value and the customer's statement. Required for a
    /// correction, refused for any other kind.
    public var correction: Correction?
    /// For appeals: the refused request appealed. Required for an appeal, refused for any other kind; the
    /// appeal takes its customer, contact and law from that request.
    public var appealOf: RequestID?
    /// For appeals: why the customer thinks the refusal was wrong, in their words (optional).
    public var grounds: String?
    /// Who entered the request, for the first lifecycle event and the audit trail.
    public var submittedBy: Actor

    /// A submission with only what is known; everything left out takes its default at intake.
    public init(
        kind: RequestKind,
        deadlineKind: DeadlineKind? = nil,
        accountID: AccountID? = nil,
        email: String? = nil,
        channel: RequestChannel,
        receivedAt: Date? = nil,
        jurisdiction: String? = nil,
        idempotencyKey: String? = nil,
        agentID: String? = nil,
        consentChanges: [String: Bool] = [:],
        correction: Correction? = nil,
        appealOf: RequestID? = nil,
        grounds: String? = nil,
        submittedBy: Actor = .customer
    ) {
        self.kind = kind
        self.deadlineKind = deadlineKind
        self.accountID = accountID
        self.email = email
        self.channel = channel
        self.receivedAt = receivedAt
        self.jurisdiction = jurisdiction
        self.idempotencyKey = idempotencyKey
        self.agentID = agentID
        self.consentChanges = consentChanges
        self.correction = correction
        self.appealOf = appealOf
        self.grounds = grounds
        self.submittedBy = submittedBy
    }
}

/// What the requester is told at once: the request id, where it stands, and its deadlines.
public struct IntakeReceipt: Sendable {
    /// Whether a request was created, repeated (same idempotency key) or linked to an open one of the same kind.
    public let outcome: IntakeOutcome
    /// Where the request stands now, usually awaiting verification.
    public let status: RequestStatus
    /// The statutory deadlines computed at intake, to tell the requester when to expect an answer.
    public let schedule: DeadlineSchedule
}

/// Tunable parts of the request procedures; the defaults follow the issue and common practice.
public struct RequestPolicy: Sendable {
    /// How long a verification code stays valid (seconds); stated in the message that carries it.
    public var codeLifetime: TimeInterval = 15 * 60
    /// Wrong tries before a code is locked and the request goes to a supervisor.
    public var maxCodeAttempts = 5
    /// Codes sent per request subject per hour, so a form cannot be used to flood someone's inbox.
    public var maxCodesPerSubjectPerHour = 3
    /// Codes sent to one email address per hour, across all requests.
    public var maxCodesPerAddressPerHour = 5
    /// Days before the binding deadline at which due-soon alerts are raised; the last goes to a supervisor.
    public var escalationThresholds = [7, 3, 1]
    /// Days after receipt within which identity must be verified before the request is denied as unverifiable.
    public var verificationWindowDays = 21
    /// How far a channel's clock may run ahead of ours: a time of receipt later than now by more than this
    /// is refused, since it would start the statutory clock late.
    public var allowedClockSkew: TimeInterval = 300

    /// The default procedures: 15-minute codes, alerts 7, 3 and 1 days before the deadline, 21 days to verify.
    public init() {}
}

/// Why a request action was refused. Messages carry ids and statuses, never personal values.
public enum RequestError: Error, Equatable, CustomStringConvertible {
    /// No request has that id.
    case notFound(RequestID)
    /// The jurisdiction id is not in the policy set.
    case unknownJurisdiction(String)
    /// No jurisdiction was given and there is no account to take one from.
    case needsJurisdiction
    /// The submission names neither an account nor an email, so there is nobody to answer.
    case needsContact
    /// The requester's email address is not a valid address.
    case invalidEmail
    /// The account id given does not exist (or was erased).
    case accountNotFound(AccountID)
    /// The deadline engine refused (a missing calendar year, a pause or extension the law does not allow).
    case deadline(String)
    /// The lifecycle does not allow the move, or the request does not fit the action; says why.
    case illegal(String)
    /// The request is not waiting for a code, or none was sent.
    case noCodePending
    /// Too many wrong codes: the code is locked and the request went to the supervisor queue.
    case codeLocked
    /// The code's lifetime has passed; a new one can be sent.
    case codeExpired
    /// Too many codes were sent recently to this subject or address.
    case rateLimited
    /// The identity evidence was checked against a different account than the request's.
    case verificationForAnotherAccount
    /// The action (a denial, extension, cancellation, settlement) needs a reason, which the customer is told.
    case reasonRequired(String)
    /// A resume was asked for, but the clock is running.
    case notPaused
    /// A pause was asked for, but the clock is already stopped.
    case alreadyPaused
    /// A request on the authorized-agent channel must name the agent.
    case agentRequired
    /// A consent change names a purpose that `Policies/purposes.yaml` does not list; lists the known ones.
    case unknownPurpose(String, known: [String])
    /// A consent change request says nothing to change.
    case noConsentChange
    /// A correction is missing, given for another kind of request, or refused; says which field and rule,
    /// never the value.
    case invalidCorrection(String)
    /// An appeal that cannot be lodged (no refused request named, a law with no appeal, another customer's
    /// request), or grounds given for another kind; says why, never a personal value.
    case invalidAppeal(String)
    /// The officer who refused the request may not decide its appeal while another officer can.
    case sameDecider(RequestID, officer: String)
    /// The statutory clock named does not belong to the request kind (``RequestKind/allowedDeadlineKinds``).
    case deadlineKindNotAllowed(RequestKind, DeadlineKind)
    /// `receivedAt` lies later than now by more than the allowed clock skew.
    case receivedInFuture(skewSeconds: Int)
    /// The one-time code given was wrong (attempts are counted, and locked after too many).
    case codeRefused
    /// The staff-side evidence (security answer, or date of birth with postcode) did not match.
    case identityNotVerified
    /// Staff-side verification checks the account's record, so the request must be matched to an account.
    case needsMatchedAccount

    /// A sentence an officer or requester can act on, with ids and statuses only.
    public var description: String {
        switch self {
        case .notFound(let id): return "no request \(id)"
        case .unknownJurisdiction(let id): return "unknown jurisdiction '\(id)'"
        case .needsJurisdiction: return "no jurisdiction given and no account to take it from; pass one (e.g. uk-gdpr)"
        case .needsContact: return "a request needs an account id or an email address to answer"
        case .invalidEmail: return "the email address is not valid"
        case .accountNotFound(let id): return "no account \(id)"
        case .deadline(let message): return message
        case .illegal(let message): return message
        case .noCodePending: return "no verification code is pending for this request"
        case .codeLocked: return "too many wrong codes: this code is locked; ask for a new one"
        case .codeExpired: return "the code has expired; ask for a new one"
        case .rateLimited: return "too many codes sent recently; try again later"
        case .verificationForAnotherAccount: return "the identity verification was for a different account"
        case .reasonRequired(let what): return "\(what) needs a reason, which the customer is told"
        case .notPaused: return "the clock is not stopped"
        case .alreadyPaused: return "the clock is already stopped"
        case .agentRequired: return "a request from an authorized agent must name the agent"
        case .unknownPurpose(let id, let known):
            return "unknown purpose '\(id)' (known: \(known.joined(separator: ", ")))"
        case .noConsentChange: return "a consent change must say which purposes are given or withdrawn"
        case .invalidCorrection(let why): return "correction refused: \(why)"
        case .invalidAppeal(let why): return "appeal refused: \(why)"
        case .sameDecider(let original, let officer):
            return "\(officer) refused \(original); its appeal is decided by another officer"
        case .deadlineKindNotAllowed(let kind, let deadlineKind):
            let allowed = kind.allowedDeadlineKinds.map(\.rawValue).joined(separator: ", ")
            let article = kind == .appeal || kind == .export ? "an" : "a"
            return
                "\(article) \(kind.rawValue) request cannot run on the \(deadlineKind.rawValue) clock (allowed: \(allowed))"
        case .codeRefused: return "the code is wrong"
        case .identityNotVerified: return "identity could not be verified with what was given"
        case .needsMatchedAccount: return "agent verification needs a request matched to an account"
        case .receivedInFuture(let skew):
            return
                "the time of receipt is later than now (by more than \(skew) seconds of clock skew); a request cannot be received in the future"
        }
    }
}

/// A request with everything an officer needs to see.
public struct RequestDossier: Sendable {
    /// The request with its lifecycle events, pauses and deadlines.
    public let stored: StoredRequest
    /// Every change to its due dates, and why: the evidence that the clock was run correctly.
    public let history: [DeadlineChange]
    /// The due-soon, overdue and supervisor alerts raised for it.
    public let alerts: [RequestAlert]
    /// Whether the customer was told it arrived.
    public let acknowledgement: AcknowledgementStatus
    /// The appeal lodged against this request, if any (an appeal's own link is ``StoredRequest/appealOf``).
    public var appeal: RequestID?
}

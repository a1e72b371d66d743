import Foundation
import LetheCore
import LetheStore

/// A request as it arrives, from any channel.
public struct RequestSubmission: Sendable {
    public var kind: RequestKind
    /// A finer statutory clock (e.g. `portability` for an export); defaults from the kind.
    public var deadlineKind: DeadlineKind?
    public var accountID: AccountID?
    /// The requester's email, used to find the account when no id is given and to answer.
    public var email: String?
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
    public var submittedBy: Actor

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
        self.submittedBy = submittedBy
    }
}

/// What the requester is told at once: the request id, where it stands, and its deadlines.
public struct IntakeReceipt: Sendable {
    public let outcome: IntakeOutcome
    public let status: RequestStatus
    public let schedule: DeadlineSchedule
}

/// Tunable parts of the request procedures; the defaults follow the issue and common practice.
public struct RequestPolicy: Sendable {
    public var codeLifetime: TimeInterval = 15 * 60
    public var maxCodeAttempts = 5
    public var maxCodesPerSubjectPerHour = 3
    public var maxCodesPerAddressPerHour = 5
    /// Days before the binding deadline at which due-soon alerts are raised; the last goes to a supervisor.
    public var escalationThresholds = [7, 3, 1]
    /// Days after receipt within which identity must be verified before the request is denied as unverifiable.
    public var verificationWindowDays = 21
    /// How far a channel's clock may run ahead of ours: a time of receipt later than now by more than this
    /// is refused, since it would start the statutory clock late.
    public var allowedClockSkew: TimeInterval = 300

    public init() {}
}

/// Why a request action was refused. Messages carry ids and statuses, never personal values.
public enum RequestError: Error, Equatable, CustomStringConvertible {
    case notFound(RequestID)
    case unknownJurisdiction(String)
    case needsJurisdiction
    case needsContact
    case invalidEmail
    case accountNotFound(AccountID)
    case deadline(String)
    case illegal(String)
    case noCodePending
    case codeLocked
    case codeExpired
    case rateLimited
    case verificationForAnotherAccount
    case reasonRequired(String)
    case notPaused
    case alreadyPaused
    case agentRequired
    case unknownPurpose(String, known: [String])
    case noConsentChange
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
        case .deadlineKindNotAllowed(let kind, let deadlineKind):
            let allowed = kind.allowedDeadlineKinds.map(\.rawValue).joined(separator: ", ")
            return "a \(kind.rawValue) request cannot run on the \(deadlineKind.rawValue) clock (allowed: \(allowed))"
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
    public let stored: StoredRequest
    public let history: [DeadlineChange]
    public let alerts: [RequestAlert]
}

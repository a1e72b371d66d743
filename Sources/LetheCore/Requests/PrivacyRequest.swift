import Foundation

/// A stable identifier for a privacy request.
public struct RequestID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The id as stored and shown.
    public let rawValue: String
    /// Wraps an existing id; no format is checked here.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// The id itself.
    public var description: String { rawValue }
}

/// Who caused a lifecycle event: recorded on every transition for the audit trail.
public enum Actor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The data subject themself.
    case customer
    /// A member of staff, by staff id (never a name or email).
    case staff(String)
    /// An authorized agent, by agent id.
    case agent(String)
    /// Lethe itself (scheduler, worker), naming the component.
    case system(String)

    /// The stored form: `customer`, `staff:ID`, `agent:ID` or `system:NAME`.
    public var description: String {
        switch self {
        case .customer: return "customer"
        case .staff(let id): return "staff:\(id)"
        case .agent(let id): return "agent:\(id)"
        case .system(let component): return "system:\(component)"
        }
    }
}

extension Actor {
    /// Parses the stored form written by `description` (`customer`, `staff:ID`, `agent:ID`, `system:NAME`).
    public init?(stored text: String) {
        if text == "customer" {
            self = .customer
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "staff": self = .staff(parts[1])
        case "agent": self = .agent(parts[1])
        case "system": self = .system(parts[1])
        default: return nil
        }
    }
}

/// Why a request was refused. Each case is a basis the law recognises; `other` needs an explanation.
public enum DenialReason: String, CaseIterable, Sendable, Codable {
    /// Identity could not be verified (GDPR Art 12(6), CCPA §7021(b)).
    case unverifiable
    /// Manifestly unfounded or excessive (GDPR Art 12(5)).
    case manifestlyUnfounded = "manifestly-unfounded"
    /// An exemption applies, e.g. a legal obligation to retain (GDPR Art 17(3), CCPA §1798.105(d)).
    case exemption
    /// The requester is not a data subject or consumer the law covers.
    case notCovered = "not-covered"
    /// Another basis, explained in the reason the officer writes.
    case other

    /// The basis in words a customer understands, for notices and pages (never the slug).
    public var plainWords: String {
        switch self {
        case .unverifiable: return "we could not confirm that the request came from you"
        case .manifestlyUnfounded: return "the request is manifestly unfounded or excessive"
        case .exemption: return "the law exempts this data from the request (for example, records we must keep)"
        case .notCovered: return "the law that gives this right does not cover this request"
        case .other: return "the reason below"
        }
    }
}

/// The record of one transition: who moved the request, when, why, from which status to which.
public struct LifecycleEvent: Hashable, Sendable, Codable {
    /// An event as the state machine records it, or as it is read back from the store.
    public init(
        requestID: RequestID,
        from: RequestStatus,
        to: RequestStatus,
        actor: Actor,
        at: Date,
        reason: String?,
        denialReason: DenialReason?
    ) {
        self.requestID = requestID
        self.from = from
        self.to = to
        self.actor = actor
        self.at = at
        self.reason = reason
        self.denialReason = denialReason
    }

    /// The request that moved.
    public let requestID: RequestID
    /// The status before the move.
    public let from: RequestStatus
    /// The status after the move.
    public let to: RequestStatus
    /// Who made the move.
    public let actor: Actor
    /// When it was made.
    public let at: Date
    /// Why, trimmed; required for denials, extensions and cancellations.
    public let reason: String?
    /// For denials: the legal basis.
    public let denialReason: DenialReason?
}

/// An attempted transition that the state machine does not allow. Nothing changes when it is thrown.
public struct IllegalTransition: Error, Equatable, CustomStringConvertible {
    /// The request whose move was refused.
    public let requestID: RequestID
    /// Its status at the time.
    public let from: RequestStatus
    /// The status asked for.
    public let to: RequestStatus
    /// What was missing when the move itself is legal (e.g. a denial without a legal basis).
    public let detail: String?

    /// Names the request and both statuses, then the missing detail or the moves that are allowed.
    public var description: String {
        let base = "request \(requestID) cannot move from \(from.rawValue) to \(to.rawValue)"
        if let detail { return "\(base): \(detail)" }
        let allowed = from.allowedNext.map(\.rawValue).sorted()
        return allowed.isEmpty
            ? "\(base): \(from.rawValue) is final" : "\(base) (allowed: \(allowed.joined(separator: ", ")))"
    }
}

/// A data-subject request: what is asked, about whom, under which law, and where it stands.
///
/// The value is immutable from outside: the only way to change ``status`` is ``transition(to:actor:at:reason:denialReason:)``,
/// which refuses illegal moves and returns the event to append to the audit trail.
public struct PrivacyRequest: Hashable, Sendable, Codable {
    /// The request's id.
    public let id: RequestID
    /// What is asked: export, consent change, deactivation or deletion.
    public let kind: RequestKind
    /// The statutory clock that applies (e.g. `portability` rather than `access` for an export).
    public let deadlineKind: DeadlineKind
    /// The customer, when known; a request about an unknown person is still recorded and answered.
    public let accountID: AccountID?
    /// The law the request is answered under, e.g. `uk-gdpr`.
    public let jurisdictionID: String
    /// When it reached any of the controller's channels: the start of every clock.
    public let receivedAt: Date
    /// Where the request stands; changed only by ``transition(to:actor:at:reason:denialReason:)``.
    public private(set) var status: RequestStatus
    /// Every transition so far, oldest first.
    public private(set) var events: [LifecycleEvent]

    /// A new request in status ``RequestStatus/received`` with no events; the clock defaults to the
    /// kind's ``RequestKind/defaultDeadlineKind``.
    public init(
        id: RequestID,
        kind: RequestKind,
        deadlineKind: DeadlineKind? = nil,
        accountID: AccountID?,
        jurisdictionID: String,
        receivedAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.deadlineKind = deadlineKind ?? kind.defaultDeadlineKind
        self.accountID = accountID
        self.jurisdictionID = jurisdictionID
        self.receivedAt = receivedAt
        self.status = .received
        self.events = []
    }

    /// A request as it was persisted: its current status and the events that led there.
    ///
    /// The events are replayed through the state machine, so a stored history that the machine would
    /// not allow (an edited database) is refused rather than trusted.
    ///
    /// - Throws: ``IllegalTransition`` when the stored events are out of order or not allowed.
    public static func restore(
        id: RequestID,
        kind: RequestKind,
        deadlineKind: DeadlineKind,
        accountID: AccountID?,
        jurisdictionID: String,
        receivedAt: Date,
        events: [LifecycleEvent]
    ) throws(IllegalTransition) -> PrivacyRequest {
        var request = PrivacyRequest(
            id: id,
            kind: kind,
            deadlineKind: deadlineKind,
            accountID: accountID,
            jurisdictionID: jurisdictionID,
            receivedAt: receivedAt
        )
        for event in events {
            guard event.from == request.status else {
                throw IllegalTransition(
                    requestID: id,
                    from: request.status,
                    to: event.to,
                    detail: "stored history is out of order"
                )
            }
            try request.transition(
                to: event.to,
                actor: event.actor,
                at: event.at,
                reason: event.reason,
                denialReason: event.denialReason
            )
        }
        return request
    }

    /// Moves the request to `next`, or throws ``IllegalTransition`` and leaves it unchanged.
    ///
    /// Denials and cancellations must say why, and a denial must name its legal basis, because the
    /// customer is owed the reason (GDPR Art 12(4), CCPA §7022(f)) and the record must keep it (§7101).
    ///
    /// - Throws: ``IllegalTransition`` when the move is not allowed or its reason or legal basis is missing.
    @discardableResult
    public mutating func transition(
        to next: RequestStatus,
        actor: Actor,
        at instant: Date,
        reason: String? = nil,
        denialReason: DenialReason? = nil
    ) throws(IllegalTransition) -> LifecycleEvent {
        guard status.allowedNext.contains(next) else {
            throw IllegalTransition(requestID: id, from: status, to: next, detail: nil)
        }
        let trimmedReason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let hasReason = !(trimmedReason ?? "").isEmpty
        switch next {
        case .denied where denialReason == nil || !hasReason:
            throw IllegalTransition(
                requestID: id,
                from: status,
                to: next,
                detail: "a denial needs a legal basis and a reason for the customer"
            )
        case .extended where !hasReason, .cancelled where !hasReason:
            throw IllegalTransition(requestID: id, from: status, to: next, detail: "a reason is required")
        default:
            break
        }
        if next != .denied, denialReason != nil {
            throw IllegalTransition(
                requestID: id,
                from: status,
                to: next,
                detail: "a denial reason only belongs on a denial"
            )
        }
        let event = LifecycleEvent(
            requestID: id,
            from: status,
            to: next,
            actor: actor,
            at: instant,
            reason: hasReason ? trimmedReason : nil,
            denialReason: denialReason
        )
        status = next
        events.append(event)
        return event
    }
}

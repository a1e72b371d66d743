import Foundation

/// Every kind of notice Lethe sends, as stored in the outbox's `kind` column. The raw values are the
/// stored spellings, so rows written before notices were typed are read as they are.
public enum NoticeKind: String, Sendable, CaseIterable, Codable {
    case welcome
    case accountChanged = "account-changed"
    case accountReactivated = "account-reactivated"
    case verificationCode = "verification-code"
    case agentConfirmation = "agent-confirmation"
    case accountVerificationCode = "account-verification-code"
    case signInCode = "sign-in-code"
    case receiptAcknowledgement = "receipt-acknowledgement"
    case extensionNotice = "extension-notice"
    case requestCompleted = "request-completed"
    case requestDenied = "request-denied"
    case requestDueSoon = "request-due-soon"
    case requestOverdue = "request-overdue"
    case requestNeedsSupervisor = "request-needs-supervisor"
    case deemedRefusal = "deemed-refusal"
    case deletionScheduled = "deletion-scheduled"
    case deletionConfirmation = "deletion-confirmation"
    case drpStatus = "drp-status"
}

/// A stored notice that cannot be read back: its kind is unknown, or a part it needs is missing.
public struct NoticeDecodingError: Error, Equatable, CustomStringConvertible {
    /// The stored kind.
    public let kind: String
    /// The parameter that is missing or unreadable, when the kind is known.
    public let parameter: String?

    /// Makes the error for a stored row.
    public init(kind: String, parameter: String?) {
        self.kind = kind
        self.parameter = parameter
    }

    public var description: String {
        parameter.map { "notice '\(kind)' has no readable '\($0)'" } ?? "unknown notice kind '\(kind)'"
    }
}

/// A notice to a customer, an agent or the privacy officers, with exactly the facts its template needs.
///
/// The outbox stores a notice as its ``kind`` and ``parameters`` (sealed under the customer's key);
/// ``init(kind:parameters:)`` reads that form back, including rows written before notices were typed.
public enum Notice: Sendable, Equatable {
    /// A new account is open.
    case welcome(account: AccountID)
    /// Account details changed: the names of the fields, never their values.
    case accountChanged(fields: [String])
    /// A deactivated account is in normal use again: the customer may sign in.
    case accountReactivated(account: AccountID)
    /// The one-time code that verifies a request's requester.
    case verificationCode(request: RequestID, code: String, expiresInMinutes: Int)
    /// The code a customer uses to confirm that an authorized agent acts for them.
    case agentConfirmation(request: RequestID, code: String, expiresInMinutes: Int, agent: String, kind: RequestKind)
    /// The code that verifies the customer before a change to their account.
    case accountVerificationCode(code: String, expiresInMinutes: Int)
    /// The code that signs a customer in to the privacy center.
    case signInCode(code: String, expiresInMinutes: Int)
    /// The acknowledgement of receipt, with the law and the date the answer is due.
    case receiptAcknowledgement(request: RequestID, kind: RequestKind, law: String, respondBy: LocalDate)
    /// The deadline was extended: to when, and why.
    case extensionNotice(request: RequestID, reason: String, respondBy: LocalDate)
    /// The request is done, with what was done.
    case requestCompleted(request: RequestID, kind: RequestKind, summary: String)
    /// The request was refused: the basis, the reason, and where to complain.
    case requestDenied(
        request: RequestID,
        basis: DenialReason,
        reason: String,
        complainTo: String,
        complainAt: String
    )
    /// A staff alert: a request is close to its deadline.
    case requestDueSoon(request: RequestID, due: LocalDate, daysLeft: Int, assignee: String, level: String)
    /// A staff alert: a request is past its deadline.
    case requestOverdue(request: RequestID, due: LocalDate, daysLeft: Int, assignee: String, level: String)
    /// A staff alert: a request was put in the supervisor queue, and why.
    case requestNeedsSupervisor(request: RequestID, reason: String)
    /// The customer's notice that the time to answer has passed, which their law treats as a refusal
    /// (Quebec's Private Sector Act s.32): the rule, and the authority they may apply to.
    case deemedRefusal(request: RequestID, due: LocalDate, citation: String, complainTo: String, complainAt: String)
    /// The customer's account will be erased when the grace period ends.
    case deletionScheduled(request: RequestID, eraseOn: LocalDate)
    /// The last message before an erasure.
    case deletionConfirmation(request: RequestID)
    /// A Data Rights Protocol status pushed to an agent's callback: the JSON body it receives.
    case drpStatus(request: String, agent: String, body: String)

    /// The kind, as stored.
    public var kind: NoticeKind {
        switch self {
        case .welcome: return .welcome
        case .accountChanged: return .accountChanged
        case .accountReactivated: return .accountReactivated
        case .verificationCode: return .verificationCode
        case .agentConfirmation: return .agentConfirmation
        case .accountVerificationCode: return .accountVerificationCode
        case .signInCode: return .signInCode
        case .receiptAcknowledgement: return .receiptAcknowledgement
        case .extensionNotice: return .extensionNotice
        case .requestCompleted: return .requestCompleted
        case .requestDenied: return .requestDenied
        case .requestDueSoon: return .requestDueSoon
        case .requestOverdue: return .requestOverdue
        case .requestNeedsSupervisor: return .requestNeedsSupervisor
        case .deemedRefusal: return .deemedRefusal
        case .deletionScheduled: return .deletionScheduled
        case .deletionConfirmation: return .deletionConfirmation
        case .drpStatus: return .drpStatus
        }
    }

    /// The request the notice is about, when it is about one: the outbox keeps it in clear (a request id
    /// is not personal data) so the request page can say which of its notices went out.
    public var request: RequestID? {
        switch self {
        case .verificationCode(let request, _, _), .agentConfirmation(let request, _, _, _, _),
            .receiptAcknowledgement(let request, _, _, _), .extensionNotice(let request, _, _),
            .requestCompleted(let request, _, _), .requestDenied(let request, _, _, _, _),
            .requestDueSoon(let request, _, _, _, _), .requestOverdue(let request, _, _, _, _),
            .requestNeedsSupervisor(let request, _), .deletionScheduled(let request, _),
            .deemedRefusal(let request, _, _, _, _),
            .deletionConfirmation(let request):
            return request
        case .welcome, .accountChanged, .accountReactivated, .accountVerificationCode, .signInCode, .drpStatus:
            return nil
        }
    }

    /// The stored form of the notice's facts (sealed at rest with the customer's key).
    public var parameters: [String: String] {
        switch self {
        case .welcome(let account), .accountReactivated(let account): return ["account": account.description]
        case .accountChanged(let fields): return ["fields": fields.joined(separator: ", ")]
        case .verificationCode(let request, let code, let minutes):
            return ["request": request.rawValue, "code": code, "expires-minutes": String(minutes)]
        case .agentConfirmation(let request, let code, let minutes, let agent, let kind):
            return [
                "request": request.rawValue, "code": code, "expires-minutes": String(minutes), "agent": agent,
                "kind": kind.rawValue,
            ]
        case .accountVerificationCode(let code, let minutes), .signInCode(let code, let minutes):
            return ["code": code, "expires-minutes": String(minutes)]
        case .receiptAcknowledgement(let request, let kind, let law, let respondBy):
            return [
                "request": request.rawValue, "kind": kind.rawValue, "law": law, "respond-by": respondBy.description,
            ]
        case .extensionNotice(let request, let reason, let respondBy):
            return ["request": request.rawValue, "reason": reason, "respond-by": respondBy.description]
        case .requestCompleted(let request, let kind, let summary):
            return ["request": request.rawValue, "kind": kind.rawValue, "summary": summary]
        case .requestDenied(let request, let basis, let reason, let complainTo, let complainAt):
            return [
                "request": request.rawValue, "basis": basis.rawValue, "reason": reason, "complain-to": complainTo,
                "complain-at": complainAt,
            ]
        case .requestDueSoon(let request, let due, let daysLeft, let assignee, let level),
            .requestOverdue(let request, let due, let daysLeft, let assignee, let level):
            return [
                "request": request.rawValue, "due": due.description, "days-left": String(daysLeft),
                "assignee": assignee, "level": level,
            ]
        case .requestNeedsSupervisor(let request, let reason): return ["request": request.rawValue, "reason": reason]
        case .deemedRefusal(let request, let due, let citation, let complainTo, let complainAt):
            return [
                "request": request.rawValue, "due": due.description, "citation": citation, "complain-to": complainTo,
                "complain-at": complainAt,
            ]
        case .deletionScheduled(let request, let eraseOn):
            return ["request": request.rawValue, "erase-on": eraseOn.description]
        case .deletionConfirmation(let request): return ["request": request.rawValue]
        case .drpStatus(let request, let agent, let body): return ["request": request, "agent": agent, "body": body]
        }
    }

    /// Reads a notice back from its stored form.
    /// - Throws: ``NoticeDecodingError`` when the kind is unknown or a fact it needs is missing or unreadable.
    public init(kind stored: String, parameters p: [String: String]) throws {
        guard let kind = NoticeKind(rawValue: stored) else { throw NoticeDecodingError(kind: stored, parameter: nil) }
        func text(_ name: String) throws -> String {
            guard let value = p[name] else { throw NoticeDecodingError(kind: stored, parameter: name) }
            return value
        }
        func number(_ name: String) throws -> Int {
            guard let value = Int(try text(name)) else { throw NoticeDecodingError(kind: stored, parameter: name) }
            return value
        }
        func date(_ name: String) throws -> LocalDate {
            guard let value = LocalDate(try text(name)) else {
                throw NoticeDecodingError(kind: stored, parameter: name)
            }
            return value
        }
        func request() throws -> RequestID { RequestID(try text("request")) }
        func requestKind() throws -> RequestKind {
            guard let value = RequestKind(rawValue: try text("kind")) else {
                throw NoticeDecodingError(kind: stored, parameter: "kind")
            }
            return value
        }
        switch kind {
        case .welcome, .accountReactivated:
            guard let account = try? AccountID(try text("account")) else {
                throw NoticeDecodingError(kind: stored, parameter: "account")
            }
            self = kind == .welcome ? .welcome(account: account) : .accountReactivated(account: account)
        case .accountChanged:
            self = .accountChanged(fields: try text("fields").components(separatedBy: ", ").filter { !$0.isEmpty })
        case .verificationCode:
            self = .verificationCode(
                request: try request(),
                code: try text("code"),
                expiresInMinutes: try number("expires-minutes")
            )
        case .agentConfirmation:
            self = .agentConfirmation(
                request: try request(),
                code: try text("code"),
                expiresInMinutes: try number("expires-minutes"),
                agent: try text("agent"),
                kind: try requestKind()
            )
        case .accountVerificationCode:
            self = .accountVerificationCode(code: try text("code"), expiresInMinutes: try number("expires-minutes"))
        case .signInCode:
            self = .signInCode(code: try text("code"), expiresInMinutes: try number("expires-minutes"))
        case .receiptAcknowledgement:
            self = .receiptAcknowledgement(
                request: try request(),
                kind: try requestKind(),
                law: try text("law"),
                respondBy: try date("respond-by")
            )
        case .extensionNotice:
            self = .extensionNotice(
                request: try request(),
                reason: try text("reason"),
                respondBy: try date("respond-by")
            )
        case .requestCompleted:
            self = .requestCompleted(request: try request(), kind: try requestKind(), summary: try text("summary"))
        case .requestDenied:
            guard let basis = DenialReason(rawValue: try text("basis")) else {
                throw NoticeDecodingError(kind: stored, parameter: "basis")
            }
            self = .requestDenied(
                request: try request(),
                basis: basis,
                reason: try text("reason"),
                complainTo: try text("complain-to"),
                complainAt: try text("complain-at")
            )
        case .requestDueSoon, .requestOverdue:
            let facts = (
                request: try request(), due: try date("due"), daysLeft: try number("days-left"),
                assignee: try text("assignee"), level: try text("level")
            )
            self =
                kind == .requestOverdue
                ? .requestOverdue(
                    request: facts.request,
                    due: facts.due,
                    daysLeft: facts.daysLeft,
                    assignee: facts.assignee,
                    level: facts.level
                )
                : .requestDueSoon(
                    request: facts.request,
                    due: facts.due,
                    daysLeft: facts.daysLeft,
                    assignee: facts.assignee,
                    level: facts.level
                )
        case .requestNeedsSupervisor:
            self = .requestNeedsSupervisor(request: try request(), reason: try text("reason"))
        case .deemedRefusal:
            self = .deemedRefusal(
                request: try request(),
                due: try date("due"),
                citation: try text("citation"),
                complainTo: try text("complain-to"),
                complainAt: try text("complain-at")
            )
        case .deletionScheduled:
            self = .deletionScheduled(request: try request(), eraseOn: try date("erase-on"))
        case .deletionConfirmation:
            self = .deletionConfirmation(request: try request())
        case .drpStatus:
            self = .drpStatus(request: try text("request"), agent: try text("agent"), body: try text("body"))
        }
    }
}

import Foundation
import HTTPTypes
import LetheCore
import LetheCrypto
import LetheEngine

/// An RFC 9457 problem: a stable type (the last part of its URI), a title, the status, and a detail
/// that says what to fix. Details carry ids and field names, never personal values.
public struct Problem: Error, Sendable, Equatable, Codable {
    /// The stable slug, e.g. `not-found`; the document's `type` is ``Problem/typeBase`` + slug.
    public let slug: String
    /// A short, fixed summary of the kind of problem, the same for every occurrence.
    public let title: String
    /// The HTTP status the problem is answered with.
    public let status: Int
    /// What was wrong in this case and how to fix it; ids and field names only.
    public let detail: String?

    /// Where problem types live: every `type` URI is this base followed by the slug.
    public static let typeBase = "https://lethe.invalid/problems/"

    /// A problem of type `slug`, answered with `status`.
    public init(_ slug: String, _ title: String, status: Int, detail: String? = nil) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// 400 `invalid-input`: the request was malformed or a value was refused; `detail` names the field.
    public static func badRequest(_ detail: String) -> Problem {
        Problem("invalid-input", "The input is not valid", status: 400, detail: detail)
    }
    /// 404 `not-found`: no such request, account, hold or token (or not one the caller may see).
    public static func notFound(_ detail: String) -> Problem {
        Problem("not-found", "Not found", status: 404, detail: detail)
    }
    /// 401 `unauthenticated`: no valid session cookie or bearer token was presented.
    public static let unauthenticated = Problem(
        "unauthenticated",
        "Sign in first",
        status: 401,
        detail: "send a session cookie or 'Authorization: Bearer lethe_…'"
    )
    /// 403 `forbidden`: the caller's role lacks `permission`; the detail names it so an admin can decide.
    public static func forbidden(_ permission: Permission) -> Problem {
        Problem(
            "forbidden",
            "Not allowed for your role",
            status: 403,
            detail: "this needs the '\(permission.rawValue)' permission"
        )
    }
    /// 403 `csrf`: a change made with a session cookie came without its CSRF token.
    public static let csrf = Problem(
        "csrf",
        "Missing or wrong CSRF token",
        status: 403,
        detail: "a change made with a session cookie needs the X-CSRF-Token header (or the form's csrf field)"
    )
    /// 409 `conflict`: the action is not allowed in the current state (e.g. a finished request), or a
    /// unique value is taken.
    public static func conflict(_ detail: String) -> Problem {
        Problem("conflict", "Not possible in the current state", status: 409, detail: detail)
    }
    /// 413 `body-too-large`: the body is over the configured limit; nothing of it was parsed.
    public static func tooLarge(limit: Int) -> Problem {
        Problem("body-too-large", "The body is too large", status: 413, detail: "send at most \(limit) bytes")
    }
    /// 429 `throttled`: too many sign-in or verification attempts; the caller must wait.
    public static let throttled = Problem(
        "throttled",
        "Too many attempts",
        status: 429,
        detail: "too many attempts; wait and try again"
    )
    /// 500 `internal`: an unexpected failure, logged under the request id; its text is never sent.
    public static let internalError = Problem(
        "internal",
        "Something went wrong on our side",
        status: 500,
        detail: "the error was logged with this request's id; nothing was changed by a half-finished step"
    )

    /// The problem document, as sent.
    public struct Document: Codable, Sendable {
        /// The problem type's URI (``Problem/typeBase`` + slug).
        public let type: String
        /// The problem's title.
        public let title: String
        /// The HTTP status, repeated in the body as RFC 9457 asks.
        public let status: Int
        /// What to fix, when there is something to say.
        public let detail: String?
        /// The request id, so a caller can quote it and an operator can find the log lines.
        public let instance: String?
    }

    /// The document for this problem, with `instance` set to the request id.
    func document(instance: String?) -> Document {
        Document(type: Self.typeBase + slug, title: title, status: status, detail: detail, instance: instance)
    }
}

extension Problem {
    /// A stored value failed its integrity check: it was changed outside Lethe (or the database was
    /// damaged). Nothing is shown of it; the incident is recorded in the audit trail as a security event.
    static let integrityFailure = Problem(
        "integrity-failure",
        "Stored data failed its integrity check",
        status: 500,
        detail: "a stored value did not authenticate, so it was altered outside Lethe; the incident is recorded"
    )
}

extension Problem {
    /// The problem for an error from the engine or store. Unknown errors become a 500 whose text stays in
    /// the log (errors never carry personal values, but a 500 tells the caller nothing they could fix).
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as RequestError:
            switch error {
            case .notFound, .accountNotFound: return .notFound(error.description)
            case .illegal, .notPaused, .alreadyPaused, .sameDecider: return .conflict(error.description)
            case .rateLimited: return Problem("throttled", "Too many attempts", status: 429, detail: error.description)
            case .codeLocked, .codeExpired, .noCodePending, .codeRefused:
                return Problem("code-refused", "The code was not accepted", status: 422, detail: error.description)
            case .identityNotVerified:
                return Problem("verification-failed", "Identity not verified", status: 422, detail: error.description)
            case .needsMatchedAccount: return .conflict(error.description)
            default: return .badRequest(error.description)
            }
        case let error as AdministrationError:
            switch error {
            case .recipientExists: return .conflict(error.description)
            case .badWebhookURL, .weakSecret, .reasonRequired: return .badRequest(error.description)
            }
        case let error as AccountError:
            switch error {
            case .notFound: return .notFound(error.description)
            case .identityChecksLocked:
                return Problem("throttled", "Too many attempts", status: 429, detail: error.description)
            case .notDeactivated: return .conflict(error.description)
            case .identityNotVerified:
                return Problem("verification-failed", "Identity not verified", status: 422, detail: error.description)
            case .codeRefused:
                return Problem("code-refused", "The code was not accepted", status: 422, detail: error.description)
            default: return .badRequest(error.description)
            }
        case let error as AccessError:
            switch error {
            case .throttled: return .throttled
            case .badCredentials, .codeRefused:
                return Problem("unauthenticated", "Sign-in refused", status: 401, detail: error.description)
            case .notFound: return .notFound(error.description)
            case .accountDeactivated:
                return Problem(
                    "account-deactivated",
                    "The account is deactivated",
                    status: 403,
                    detail: error.description
                )
            default: return .badRequest(error.description)
            }
        case let error as StoreError:
            switch error {
            case .accountNotFound: return .notFound(error.description)
            case .emailInUse, .staffExists, .accountIDTaken, .subjectErased: return .conflict(error.description)
            case .invalidValue, .addressNotFound, .paymentMethodNotFound: return .badRequest(error.description)
            default: return .internalError
            }
        case let error as DeadlineError: return .badRequest(error.description)
        case let error as CryptoError where error.isIntegrityFailure: return .integrityFailure
        default: return .internalError
        }
    }
}

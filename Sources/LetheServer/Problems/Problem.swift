import Foundation
import HTTPTypes
import LetheCore
import LetheEngine

/// An RFC 9457 problem: a stable type (the last part of its URI), a title, the status, and a detail
/// that says what to fix. Details carry ids and field names, never personal values.
public struct Problem: Error, Sendable, Equatable, Codable {
    /// The stable slug, e.g. `not-found`; the document's `type` is ``Problem/typeBase`` + slug.
    public let slug: String
    public let title: String
    public let status: Int
    public let detail: String?

    public static let typeBase = "https://lethe.invalid/problems/"

    public init(_ slug: String, _ title: String, status: Int, detail: String? = nil) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
    }

    public static func badRequest(_ detail: String) -> Problem {
        Problem("invalid-input", "The input is not valid", status: 400, detail: detail)
    }
    public static func notFound(_ detail: String) -> Problem {
        Problem("not-found", "Not found", status: 404, detail: detail)
    }
    public static let unauthenticated = Problem(
        "unauthenticated",
        "Sign in first",
        status: 401,
        detail: "send a session cookie or 'Authorization: Bearer lethe_…'"
    )
    public static func forbidden(_ permission: Permission) -> Problem {
        Problem(
            "forbidden",
            "Not allowed for your role",
            status: 403,
            detail: "this needs the '\(permission.rawValue)' permission"
        )
    }
    public static let csrf = Problem(
        "csrf",
        "Missing or wrong CSRF token",
        status: 403,
        detail: "a change made with a session cookie needs the X-CSRF-Token header (or the form's csrf field)"
    )
    public static func conflict(_ detail: String) -> Problem {
        Problem("conflict", "Not possible in the current state", status: 409, detail: detail)
    }
    public static func tooLarge(limit: Int) -> Problem {
        Problem("body-too-large", "The body is too large", status: 413, detail: "send at most \(limit) bytes")
    }
    public static let throttled = Problem(
        "throttled",
        "Too many attempts",
        status: 429,
        detail: "too many attempts; wait and try again"
    )
    public static let internalError = Problem(
        "internal",
        "Something went wrong on our side",
        status: 500,
        detail: "the error was logged with this request's id; nothing was changed by a half-finished step"
    )

    /// The problem document, as sent.
    public struct Document: Codable, Sendable {
        public let type: String
        public let title: String
        public let status: Int
        public let detail: String?
        public let instance: String?
    }

    func document(instance: String?) -> Document {
        Document(type: Self.typeBase + slug, title: title, status: status, detail: detail, instance: instance)
    }
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
            case .illegal, .notPaused, .alreadyPaused: return .conflict(error.description)
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
            case .badWebhookURL, .weakSecret: return .badRequest(error.description)
            }
        case let error as AccountError:
            switch error {
            case .notFound: return .notFound(error.description)
            case .identityChecksLocked:
                return Problem("throttled", "Too many attempts", status: 429, detail: error.description)
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
        default: return .internalError
        }
    }
}

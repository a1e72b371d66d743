import Foundation
import HTTPTypes
import Hummingbird
import LetheCore
import LetheCrypto
import LetheEngine

/// Finds who is calling: an API token (`Authorization: Bearer lethe_…`) or a session cookie. It does
/// not decide what they may do (each route asks for a ``Permission``); it only refuses a change made
/// with a session cookie that lacks the session's CSRF token.
struct AuthenticationMiddleware: RouterMiddleware {
    /// Lethe's request context, where the caller and the session token are recorded.
    typealias Context = LetheRequestContext
    /// Resolves bearer secrets and session tokens to principals.
    let access: AccessService
    /// Where authorized agents call with their own bearer tokens (the DRP endpoints check those).
    var agentsPath: String? = nil

    /// The staff session cookie, scoped to the whole site.
    static let sessionCookie = "lethe_session"
    /// The customer's privacy-center session cookie, honoured only under `/privacy`.
    static let customerCookie = "lethe_customer"

    /// Sets the caller from a bearer token (401 for an unknown or revoked one) or the area's session cookie,
    /// and makes it the task-local ``Caller`` for the API handler; agents' DRP paths are passed through as they are.
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var context = context
        if let agentsPath, request.uri.path.hasPrefix(agentsPath) {
            return try await next(request, context)
        }
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let secret = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            guard let principal = try await access.principal(bearer: secret) else {
                throw Problem(
                    "unauthenticated",
                    "Unknown or revoked token",
                    status: 401,
                    detail: "the bearer token is unknown or revoked; ask an admin for a new one"
                )
            }
            context.principal = principal
        } else {
            // Staff and customers have separate cookies, so a customer's session never reaches the dashboard.
            let isCustomerArea = request.uri.path.hasPrefix("/privacy")
            let name = isCustomerArea ? Self.customerCookie : Self.sessionCookie
            if let token = request.cookies[name]?.value, let principal = try await access.principal(sessionToken: token)
            {
                let matchesArea: Bool
                if case .customer = principal { matchesArea = isCustomerArea } else { matchesArea = !isCustomerArea }
                if matchesArea {
                    context.principal = principal
                    context.sessionToken = token
                }
            }
        }
        let principal = context.principal
        return try await Caller.$principal.withValue(principal) { try await next(request, context) }
    }
}

extension LetheRequestContext {
    /// Refuses a change made with a session cookie unless the CSRF token matches (header or form field).
    func checkCSRF(_ request: Request, formToken: String? = nil) throws {
        guard let sessionToken else { return }  // bearer tokens are not sent by browsers on their own
        let expected = AccessService.csrfToken(forSession: sessionToken)
        let given = formToken ?? request.headers[named: "X-CSRF-Token"] ?? ""
        guard !expected.isEmpty, ConstantTime.equals(Array(given.utf8), Array(expected.utf8)) else {
            throw Problem.csrf
        }
    }
}

extension Caller {
    /// The principal, if it holds `permission`: ``Problem/unauthenticated`` (401) without one,
    /// ``Problem/forbidden(_:)`` (403) for a customer or a role that lacks it.
    static func check(_ principal: Principal?, _ permission: Permission) throws -> Principal {
        guard let principal else { throw Problem.unauthenticated }
        guard let role = principal.role, role.may(permission) else { throw Problem.forbidden(permission) }
        return principal
    }

    /// The API handler's check: the task-local caller must hold `permission`.
    static func require(_ permission: Permission) throws -> Principal {
        try check(principal, permission)
    }
}

extension HTTPFields {
    /// A header that HTTPTypes has no constant for (`X-CSRF-Token`, `Sec-GPC`, …), by name; reading an
    /// invalid name gives nil and writing one does nothing, so no name needs a force unwrap.
    subscript(named name: String) -> String? {
        get { HTTPField.Name(name).flatMap { self[$0] } }
        set { if let field = HTTPField.Name(name) { self[field] = newValue } }
    }
}

import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// What every dashboard area shares: who is signed in, what their page frame shows, and cookies.
protocol DashboardController: PageRoutes {}

extension DashboardController {
    /// A `Set-Cookie` value that deletes the cookie at once (used at sign-out).
    func clearCookie(_ name: String, path: String) -> String { sessionCookie(name, "", path: path, maxAge: 0) }

    /// The signed-in member of staff with `permission`; nil means "send them to the sign-in page".
    func staff(_ context: LetheRequestContext, _ permission: Permission) throws -> Principal? {
        guard let principal = context.principal, principal.role != nil else { return nil }
        return try Caller.check(principal, permission)
    }

    /// What every dashboard page shows: who is signed in, the CSRF token for its forms, the menu.
    func frame(_ context: LetheRequestContext, _ principal: Principal, title: String) -> [String: Any] {
        let role = principal.role ?? .auditor
        return [
            "title": title,
            "user": principal.actorName,
            "role": role.rawValue,
            "csrf": context.sessionToken.map(AccessService.csrfToken(forSession:)) ?? "",
            "canDecide": role.may(.decideRequests),
            "canVerify": role.may(.verifyIdentity),
            "canReveal": role.may(.revealPersonalData),
            "canHold": role.may(.manageHolds),
            "canManageAccess": role.may(.manageAccess),
            "canEvidence": role.may(.readEvidence),
            "today": today.description,
        ]
    }
}

import Hummingbird
import LetheEngine

/// The API's door: staff or a token only (a customer's privacy-center session is not enough), and a
/// change made with a session cookie must carry the session's CSRF token.
struct APIGuardMiddleware: RouterMiddleware {
    /// Lethe's request context, which carries the caller.
    typealias Context = LetheRequestContext

    /// Answers 401 unless staff or a token is calling, and 403 for a cookie-authenticated change without
    /// its CSRF token; otherwise passes the request on.
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        guard let principal = context.principal, principal.role != nil else { throw Problem.unauthenticated }
        if ![.get, .head, .options].contains(request.method) { try context.checkCSRF(request) }
        return try await next(request, context)
    }
}

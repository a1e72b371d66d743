import HTTPTypes
import Hummingbird

/// Headers that make the pages safe to open: no scripts or framing from anywhere, no MIME sniffing,
/// no referrer leaking request ids to other sites, and nothing personal cached.
struct SecurityHeadersMiddleware: RouterMiddleware {
    /// Lethe's request context.
    typealias Context = LetheRequestContext

    /// Adds the Content-Security-Policy, `nosniff`, `no-referrer` and, unless the route set one,
    /// `Cache-Control: no-store` to every answer, problems included.
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[named: "Referrer-Policy"] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

import Hummingbird

/// Refuses bodies over the limit before reading them (by Content-Length) or while reading them
/// (chunked), so an oversized body is never buffered whole, let alone parsed.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    let limit: Int

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.tooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}

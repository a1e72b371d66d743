import Hummingbird
import NIOCore

/// Refuses bodies over the limit before reading them (by Content-Length) or while reading them
/// (chunked), so an oversized body is never buffered whole, let alone parsed: 413 for too large, 400 for
/// a body whose HTTP framing is broken, both as problem+json and before any handler runs.
struct BodyLimitMiddleware: RouterMiddleware {
    /// Lethe's request context.
    typealias Context = LetheRequestContext
    /// The most bytes a body may have (`http.max-body-bytes`).
    let limit: Int

    /// Collects the body up to the limit (except for GET and HEAD) so that later middleware and handlers
    /// read it from memory, or answers 413 or 400.
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
        } catch is NIOTooManyBytesError {
            // A chunked body announces no length: it is refused as soon as it passes the limit.
            throw Problem.tooLarge(limit: limit)
        } catch {
            // The body could not be read as HTTP frames it (e.g. a malformed chunk size): the client's
            // request is broken, and nothing has run.
            throw Problem.badRequest("the request body is malformed HTTP (\(String(describing: type(of: error))))")
        }
        return try await next(request, context)
    }
}

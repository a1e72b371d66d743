import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request: method, route path (never the query string, which can carry an email),
/// status and duration, under the request id; the id also goes back in `X-Request-ID`.
struct RequestLogMiddleware: RouterMiddleware {
    /// Lethe's request context, whose logger carries the request id.
    typealias Context = LetheRequestContext

    /// Times the request, adds `X-Request-ID` to the answer and logs the line at info level.
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[named: "X-Request-ID"] = context.requestID
        let elapsed = ContinuousClock.now - start
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "path": "\(request.uri.path)",
                "status": "\(response.status.code)",
                "ms": "\(String(format: "%.1f", millis))",
            ]
        )
        return response
    }
}

import Foundation
import Hummingbird
import NIOFoundationEssentialsCompat

/// Enforces the lengths, patterns and ranges `docs/openapi.yaml` states (``DocumentConstraints``) on
/// every API call, before its handler runs: 400 naming the parameter or property, never the value.
struct DocumentConstraintsMiddleware: RouterMiddleware {
    /// Lethe's request context.
    typealias Context = LetheRequestContext
    /// The constraints read from the shipped OpenAPI document at start.
    let constraints: DocumentConstraints
    /// Where the API is mounted; the document's paths are below it.
    let prefix: String

    /// Checks the call's path, query, headers and JSON body against its operation, throwing a 400
    /// ``Problem`` before the handler runs.
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var request = request
        let path = request.uri.path.hasPrefix(prefix) ? String(request.uri.path.dropFirst(prefix.count)) : ""
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        var body: Data?
        if [.post, .put, .patch, .delete].contains(request.method) {
            // The body limit has already collected the body, so this reads what is buffered.
            body = Data(buffer: try await request.collectBody(upTo: .max))
        }
        try constraints.check(
            method: request.method,
            path: path,
            query: query,
            headers: request.headers,
            body: body
        )
        return try await next(request, context)
    }
}

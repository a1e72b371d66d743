import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Records the (path, method) pairs the generated code registers, so that every other method on an
/// API path answers 405 with an `Allow` header instead of 404 (RFC 9110 §15.5.6): the document is the
/// single list of what exists.
final class RouteRecorder: ServerTransport, @unchecked Sendable {
    // Written only while routes are registered, on one task, before the server starts.
    private(set) var methods: [String: Set<HTTPRequest.Method>] = [:]
    private var order: [String] = []
    /// The API's router group, where the generated handlers and the 405 answers are registered.
    let upstream: RouterGroup<LetheRequestContext>

    /// A recorder that registers on `upstream`.
    init(_ upstream: RouterGroup<LetheRequestContext>) { self.upstream = upstream }

    /// Records the path and method, then registers the generated handler as usual.
    func register(
        _ handler:
            @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (
                HTTPResponse, HTTPBody?
            ),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        if methods[path] == nil { order.append(path) }
        methods[path, default: []].insert(method)
        try upstream.register(handler, method: method, path: path)
    }

    /// Adds the 405 answers; call after the generated handlers are registered.
    func answerOtherMethodsWith405() {
        var candidates: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .trace, .options]
        if let query = HTTPRequest.Method("QUERY") { candidates.append(query) }
        for path in order {
            let allowed = methods[path] ?? []
            let allow = candidates.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            for method in candidates where !allowed.contains(method) {
                upstream.on(RouterPath(path), method: method) { _, context in
                    var response = ProblemMiddleware.response(
                        Problem(
                            "method-not-allowed",
                            "Method not allowed",
                            status: 405,
                            detail: "\(path) allows \(allow)"
                        ),
                        requestID: context.requestID
                    )
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import LetheCore
import LetheCrypto
import LetheEngine
import Logging
import OpenAPIRuntime

/// Turns every failure into an answer that says what to fix: RFC 9457 `application/problem+json` for
/// the API, a plain page for browsers. Unexpected errors are logged under the request id and answered
/// with a generic 500, so internals never reach the caller.
struct ProblemMiddleware: RouterMiddleware {
    /// Lethe's request context, whose request id each problem carries.
    typealias Context = LetheRequestContext

    /// Records a stored value that failed its integrity check as a security event (the route's path,
    /// never the value); nil records nothing.
    var recordIntegrityFailure: (@Sendable (_ path: String) async -> Void)?
    /// Who a customer's error page names as responsible for their data, as every customer page does.
    var controller: DataController = .unconfigured

    /// Passes the request on and turns any error into a problem document (or, for a browser outside the
    /// API, an error page that links back to where the person started).
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem == .integrityFailure { await recordIntegrityFailure?(request.uri.path) }
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            let wantsHTML =
                !request.uri.path.hasPrefix("/api/") && !request.uri.path.hasPrefix("/drp/")
                && (request.headers[.accept] ?? "").contains("text/html")
            if wantsHTML {
                // A person, not a client: no word of the API, and "start again" where they came from (a
                // customer is never sent to the staff sign-in).
                let customer = request.uri.path.hasPrefix("/privacy")
                let page =
                    problem.status == 404 && error is HTTPError
                    ? Problem.notFound("This page does not exist. Check the address, or start again.") : problem
                return Pages.errorPage(
                    page,
                    requestID: context.requestID,
                    home: customer ? "/privacy" : "/",
                    controller: customer ? controller : nil
                )
            }
            return Self.response(problem, requestID: context.requestID)
        }
    }

    /// The problem as `application/problem+json`, never cached, with the request id as its `instance`.
    static func response(_ problem: Problem, requestID: String) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem.document(instance: "urn:lethe:request:\(requestID)"))) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .init(code: problem.status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// The problem for any error the stack can throw: ours, the engine's, the OpenAPI runtime's
    /// (a body that does not match the document), or Hummingbird's (no route, body too large).
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let error as ServerError:
            if let underlying = error.underlyingError as? HTTPError { return problem(for: underlying) }
            // With no decoded input the runtime failed before any handler ran: a body, parameter or
            // content type that does not match the document. Its messages name parameters and types.
            if isOurs(error.underlyingError) || error.operationInput != nil {
                return Problem.from(error.underlyingError)
            }
            let cause =
                error.underlyingError is DecodingError
                ? decodingHint(error.underlyingError) : String(error.causeDescription.prefix(160))
            return .badRequest("the request does not match the API document (docs/openapi.yaml): \(cause)")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("no such route; the API is described in docs/openapi.yaml")
            case .contentTooLarge: return .tooLarge(limit: 64 * 1024)
            case .methodNotAllowed:
                return Problem("method-not-allowed", "Method not allowed", status: 405, detail: "see the API document")
            default:
                return Problem("http", error.status.reasonPhrase, status: error.status.code, detail: error.body)
            }
        default:
            return Problem.from(error)
        }
    }

    /// Errors the handlers throw on purpose; everything else inside a `ServerError` is the runtime's.
    static func isOurs(_ error: any Error) -> Bool {
        error is Problem || error is RequestError || error is AccountError || error is AccessError
            || error is StoreError || error is DeadlineError || error is PurgeError || error is CryptoError
    }

    /// Where decoding failed, by coding path only: the failing value itself is never echoed.
    static func decodingHint(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "malformed" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "the body" : "'\(keys)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing \(key.stringValue)" + (context.codingPath.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .valueNotFound(_, let context): return "missing value at \(path(context))"
        case .dataCorrupted(let context): return "unreadable value at \(path(context))"
        @unknown default: return "malformed"
        }
    }
}

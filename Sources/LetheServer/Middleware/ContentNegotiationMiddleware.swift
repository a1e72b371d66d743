import Foundation
import Hummingbird

/// The API answers only JSON and reads only JSON: a call whose `Accept` rules JSON out gets 406, and a
/// body that is not `application/json` in UTF-8 gets 415, both before any handler runs, so nothing is
/// changed by a call whose answer the client could not read (which a retrying client would repeat).
struct ContentNegotiationMiddleware: RouterMiddleware {
    /// Lethe's request context.
    typealias Context = LetheRequestContext

    /// What every API operation answers in when it succeeds (docs/openapi.yaml); problems are
    /// `application/problem+json`, but a client that accepts only those could read no success.
    static let produced = ["application/json"]

    /// What an operation answers in: JSON, except an export bundle's copy, which is the ZIP itself.
    static func produced(forPath path: String) -> [String] {
        path.hasPrefix("/api/v1/bundles/") && path.hasSuffix("/download") ? ["application/zip"] : produced
    }

    /// Answers 406 when `Accept` rules out JSON, and 415 when a POST, PUT or PATCH body is not UTF-8 JSON.
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let produced = Self.produced(forPath: request.uri.path)
        if let accept = request.headers[.accept], !Self.accepts(accept, produced: produced) {
            let type = produced.first ?? "application/json"
            throw Problem(
                "not-acceptable",
                "No acceptable representation",
                status: 406,
                detail: "this answers \(type) (problems as application/problem+json); send Accept: \(type)"
            )
        }
        if [.post, .put, .patch].contains(request.method) {
            var request = request
            // The body limit has already collected the body, so this reads what is buffered.
            let body = try await request.collectBody(upTo: .max)
            if let problem = Self.contentTypeProblem(request.headers[.contentType], bodyLength: body.readableBytes) {
                throw problem
            }
            return try await next(request, context)
        }
        return try await next(request, context)
    }

    /// Whether an `Accept` header admits JSON: a media range of `*/*`, `application/*` or
    /// `application/json`, with a quality above zero. An empty header accepts anything (RFC 9110 §12.5.1).
    static func accepts(_ header: String, produced: [String] = produced) -> Bool {
        let ranges = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard !ranges.isEmpty else { return true }
        return ranges.contains { range in
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard quality > 0 else { return false }
            return type == "*/*" || type == "application/*" || produced.contains(type)
        }
    }

    /// The problem with a body's declared type, if any: a body needs `application/json`, and a charset
    /// parameter, when given, must be UTF-8 (RFC 8259 §8.1). An empty body needs no type.
    static func contentTypeProblem(_ header: String?, bodyLength: Int) -> Problem? {
        guard let header else {
            return bodyLength == 0 ? nil : unsupported("a body needs Content-Type: application/json")
        }
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/json" else {
            return unsupported("the API reads application/json only")
        }
        for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard charset == "utf-8" || charset == "utf8" else {
                return unsupported("JSON is read as UTF-8 only")
            }
        }
        return nil
    }

    /// A 415 `unsupported-media-type` problem saying what the API reads.
    static func unsupported(_ detail: String) -> Problem {
        Problem("unsupported-media-type", "Unsupported media type", status: 415, detail: detail)
    }
}

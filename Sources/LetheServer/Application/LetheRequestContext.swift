import Hummingbird
import LetheEngine
import Logging
import NIOCore

/// Per-request state: the request id (in every log line and problem document) and who is calling.
public struct LetheRequestContext: RequestContext {
    /// Hummingbird's own per-request storage (logger, parameters, allocator).
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthenticationMiddleware``.
    public var principal: Principal?
    /// The raw session token, when a session cookie authenticated the call (for CSRF checks).
    public var sessionToken: String?
    /// The id given to this request, logged with every line and returned in problem documents.
    public var requestID: String
    /// The client's address, for sign-in throttling.
    public var clientAddress: String

    /// A context for a new request: a fresh request id, the client's address, and nobody signed in yet.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = RequestIDs.next()
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.logger[metadataKey: "request"] = .string(requestID)
    }

    /// Bodies are collected up to the configured limit by ``BodyLimitMiddleware``; this is the hard ceiling.
    public var maxUploadSize: Int { 1024 * 1024 }
}

/// Request ids: random enough to be unique across nodes, short enough to read out on the phone.
enum RequestIDs {
    /// Twelve characters from an alphabet without look-alikes (no 0/O, 1/I).
    static func next() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}

/// Who is calling, for the API handler, which the OpenAPI runtime calls without the request context.
enum Caller {
    /// The principal of the API call in progress, set by the API guard around the generated handler.
    @TaskLocal static var principal: Principal?
}

import Foundation

/// A refusal answered to an agent as the Data Rights Protocol's error object (DRP 1.0 §3.06):
/// `{"code": "<status>", "message": ..., "fatal": ...}`. Messages name what was wrong with the
/// message, never a value from it.
public struct DRPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status the agent is answered with (400, 403, 404, 409, 413 or 500).
    public let status: Int
    /// Why, in words an agent's operator can act on; never a value from the agent's message.
    public let message: String
    /// True when the request cannot succeed as sent (it moves to `denied`); nil when unsaid.
    public let fatal: Bool?

    /// Creates a refusal with an HTTP status, a message, and whether retrying the same request is pointless.
    public init(_ status: Int, _ message: String, fatal: Bool? = nil) {
        self.status = status
        self.message = message
        self.fatal = fatal
    }

    /// The DRP error object as JSON with sorted keys, ready to send as the response body.
    public var body: Data {
        var object: [String: Any] = ["code": String(status), "message": message]
        if let fatal { object["fatal"] = fatal }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// The status and message, as logged.
    public var description: String { "\(status) \(message)" }

    static let unknownToken = DRPFailure(403, "the bearer token is unknown or revoked; pair again")
    static let badBase64 = DRPFailure(400, "the body is not base64", fatal: true)
    static let badSignature = DRPFailure(403, "the signature does not verify under the agent's key", fatal: true)
    static let wrongAgent = DRPFailure(403, "agent-id is not the agent the bearer token belongs to", fatal: true)
    static let wrongBusiness = DRPFailure(403, "business-id is not this business", fatal: true)
    static let notYetValid = DRPFailure(400, "issued-at is in the future: check the agent's clock")
    static let expired = DRPFailure(400, "expires-at has passed", fatal: true)
    static let replayed = DRPFailure(409, "this signed request was received before", fatal: true)
    static let notFound = DRPFailure(404, "no such request")
    static let anotherAgents = DRPFailure(403, "the request belongs to another agent")
}

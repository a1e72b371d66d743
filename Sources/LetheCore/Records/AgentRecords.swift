import Foundation

/// A request an authorized agent made over the Data Rights Protocol, and what the agent was last told.
public struct DRPRequestRecord: Sendable, Equatable {
    /// The protocol's `request_id`: a UUID, safe in URLs, distinct from Lethe's own request id.
    public let id: String
    /// The SHA-256 of the agent's signature on the exercise: the same signed request is one request.
    public let digest: Data
    /// The Lethe privacy request the exercise became.
    public let requestID: RequestID
    /// The agent that made it; only that agent may read or revoke it.
    public let agentID: String
    /// The agent's own id for the request, echoed back as `agent_request_id`.
    public let agentRequestID: String?
    /// Where status changes are pushed; nil when none was given or the agent's allow-list refused it.
    public let statusCallback: String?
    /// When Lethe received the exercise.
    public let receivedAt: Date
    /// A denial decided at the protocol level (e.g. `no_match`), which Lethe's denial bases do not name.
    public var deniedReason: String?
    /// The last status pushed to the agent, so only a change is pushed again.
    public var pushedState: String?
    /// Set once a final status has been pushed: the request needs no more attention from the sync.
    public var settledAt: Date?

    /// A record as intake creates it or the store reads it back.
    public init(
        id: String,
        digest: Data,
        requestID: RequestID,
        agentID: String,
        agentRequestID: String?,
        statusCallback: String?,
        receivedAt: Date,
        deniedReason: String? = nil,
        pushedState: String? = nil,
        settledAt: Date? = nil
    ) {
        self.id = id
        self.digest = digest
        self.requestID = requestID
        self.agentID = agentID
        self.agentRequestID = agentRequestID
        self.statusCallback = statusCallback
        self.receivedAt = receivedAt
        self.deniedReason = deniedReason
        self.pushedState = pushedState
        self.settledAt = settledAt
    }
}

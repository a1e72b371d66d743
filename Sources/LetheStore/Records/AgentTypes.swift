import Foundation
import LetheCore

/// A request an authorized agent made over the Data Rights Protocol, and what the agent was last told.
public struct DRPRequestRecord: Sendable, Equatable {
    /// The protocol's `request_id`: a UUID, safe in URLs, distinct from Lethe's own request id.
    public let id: String
    /// The SHA-256 of the agent's signature on the exercise: the same signed request is one request.
    public let digest: Data
    public let requestID: RequestID
    public let agentID: String
    /// The agent's own id for the request, echoed back as `agent_request_id`.
    public let agentRequestID: String?
    /// Where status changes are pushed; nil when none was given or the agent's allow-list refused it.
    public let statusCallback: String?
    public let receivedAt: Date
    /// A denial decided at the protocol level (e.g. `no_match`), which Lethe's denial bases do not name.
    public var deniedReason: String?
    /// The last status pushed to the agent, so only a change is pushed again.
    public var pushedState: String?
    /// Set once a final status has been pushed: the request needs no more attention from the sync.
    public var settledAt: Date?

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

/// The registry of authorized agents and what they asked over the Data Rights Protocol.
public protocol AgentRepository: Sendable {
    /// Adds an agent; throws ``StoreError/agentExists(_:)`` when the id is taken.
    func addAgent(_ agent: AuthorizedAgent, by actor: String) async throws
    func agent(_ id: String) async throws -> AuthorizedAgent?
    func agents() async throws -> [AuthorizedAgent]
    /// Revokes the agent and its token at once; false when there is no such active agent.
    func revokeAgent(_ id: String, at: Date, by actor: String) async throws -> Bool
    /// Stores the SHA-256 of a new bearer token for the agent, replacing (and so revoking) the last one.
    func issueAgentToken(_ id: String, tokenHash: Data, at: Date) async throws
    /// The active agent a token hash belongs to.
    func agentID(forTokenHash hash: Data) async throws -> String?
    /// Records a signature digest until `expiresAt`; false when it was already seen (a replay).
    /// Expired digests are dropped on the way, so the table stays as small as the open windows.
    func recordSignature(_ digest: Data, agentID: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Whether a signature digest was recorded and has not expired.
    func signatureSeen(_ digest: Data) async throws -> Bool
    /// Links a protocol request to Lethe's request; when the same signed request was linked before
    /// (the agent retried after a crash), returns that link instead.
    func linkDRPRequest(_ record: DRPRequestRecord) async throws -> DRPRequestRecord
    func drpRequest(_ id: String) async throws -> DRPRequestRecord?
    /// Protocol requests whose agent has not yet been told a final status, by id, after `afterID`.
    func unsettledDRPRequests(after afterID: String?, limit: Int) async throws -> [DRPRequestRecord]
    /// Records a protocol-level denial reason (e.g. `no_match`).
    func setDRPDeniedReason(_ id: String, reason: String) async throws
    /// Records the state now reported and, in the same transaction, queues its push to the agent.
    /// `settled` marks a final state. Nothing happens when `state` equals what was pushed before.
    func recordDRPPush(
        _ id: String,
        state: String,
        settled: Bool,
        message: OutboxMessage?,
        at: Date
    ) async throws
        -> Bool
}

import Foundation
import LetheCore

/// The registry of authorized agents and what they asked over the Data Rights Protocol.
public protocol AgentRepository: Sendable {
    /// Adds an agent, audited as `agent.added` in the same transaction.
    ///
    /// - Throws: `StoreError.agentExists(_:)` when the id is taken.
    func addAgent(_ agent: AuthorizedAgent, by actor: String) async throws
    /// The agent, revoked or not, or nil when there is none.
    func agent(_ id: String) async throws -> AuthorizedAgent?
    /// Every registered agent, revoked ones included, by id.
    func agents() async throws -> [AuthorizedAgent]
    /// Revokes the agent and its token at once, audited as `agent.revoked` in the same transaction; false
    /// when there is no such active agent.
    func revokeAgent(_ id: String, at: Date, by actor: String) async throws -> Bool
    /// Stores the SHA-256 of a new bearer token for the agent, replacing (and so revoking) the last one,
    /// audited as `agent.paired` in the same transaction.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when there is no active agent `id`.
    func issueAgentToken(_ id: String, tokenHash: Data, at: Date) async throws
    /// The id of the active agent a token hash belongs to; nil for an unknown hash or a revoked agent.
    func agentID(forTokenHash hash: Data) async throws -> String?
    /// Records a signature digest until `expiresAt`; false when it was already seen (a replay).
    /// Expired digests are dropped on the way, so the table stays as small as the open windows.
    func recordSignature(_ digest: Data, agentID: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Whether a signature digest was recorded and has not expired.
    func signatureSeen(_ digest: Data) async throws -> Bool
    /// Links a protocol request to Lethe's request; when the same signed request was linked before
    /// (the agent retried after a crash), returns that link instead.
    func linkDRPRequest(_ record: DRPRequestRecord) async throws -> DRPRequestRecord
    /// The protocol request with Lethe's protocol id `id`, or nil when there is none.
    func drpRequest(_ id: String) async throws -> DRPRequestRecord?
    /// Protocol requests whose agent has not yet been told a final status, by id, after `afterID`.
    func unsettledDRPRequests(after afterID: String?, limit: Int) async throws -> [DRPRequestRecord]
    /// Records a protocol-level denial reason (e.g. `no_match`).
    func setDRPDeniedReason(_ id: String, reason: String) async throws
    /// Records the state now reported and, in the same transaction, queues its push to the agent.
    /// `settled` marks a final state. Nothing happens when `state` equals what was pushed before.
    ///
    /// - Returns: Whether the state was recorded; false when it was pushed already, the request is already
    ///   settled, or there is no such request.
    func recordDRPPush(
        _ id: String,
        state: String,
        settled: Bool,
        message: OutboxMessage?,
        at: Date
    ) async throws
        -> Bool
}

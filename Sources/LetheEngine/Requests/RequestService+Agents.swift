import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// Authorized agents: the agent's proof of permission and the customer's own confirmation.
extension RequestService {
    /// Records the authorized agent's proof of permission (e.g. the reference of a signed authorisation).
    /// The request is verified once the customer has also confirmed directly.
    /// - Throws: ``RequestError/reasonRequired(_:)`` without a proof, ``RequestError/illegal(_:)`` for a
    ///   request not made by an agent, ``RequestError/notFound(_:)``; `StoreError` from the store.
    public func recordAgentPermission(_ id: RequestID, proof: String, by officer: String) async throws {
        let text = proof.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw RequestError.reasonRequired("an agent's permission") }
        let stored = try await load(id)
        guard stored.channel == .authorizedAgent else {
            throw RequestError.illegal("request \(id) was not made by an authorized agent")
        }
        try await confirmAgent(stored, confirmedAt: nil, permission: (text, .staff(officer)))
    }

    /// Records an authorized agent's signed request (the Data Rights Protocol) as its proof of
    /// permission. When the agent's verification of a claim that matched the account is accepted under
    /// its identity-assurance policy (`assuredBy`), that stands in for the customer's own confirmation
    /// and the request is verified at once; otherwise the customer's confirmation is still awaited.
    /// Repeating it changes nothing, so a retried submission can call it again.
    /// - Throws: ``RequestError/illegal(_:)`` when the request is not this agent's or cannot move,
    ///   ``RequestError/notFound(_:)``; `StoreError` from the store.
    public func recordSignedAgentPermission(
        _ id: RequestID,
        agent: String,
        proof: String,
        assuredBy claim: String?
    ) async throws {
        let stored = try await load(id)
        guard stored.channel == .authorizedAgent, stored.agentID == agent else {
            throw RequestError.illegal("request \(id) was not made by authorized agent \(agent)")
        }
        guard stored.request.status == .awaitingVerification, stored.agentPermissionAt == nil else { return }
        guard let claim else {
            try await confirmAgent(stored, confirmedAt: nil, permission: (proof, .agent(agent)))
            try await applyConsentIfVerified(id)
            return
        }
        let now = clock.now()
        var request = stored.request
        let event: LifecycleEvent
        do {
            event = try request.transition(
                to: .verified,
                actor: .agent(agent),
                at: now,
                reason:
                    "authorized agent \(agent): signed request; the customer's \(claim), verified by the agent, "
                    + "matched the account and is accepted under the agent's identity-assurance policy"
            )
        } catch {
            throw RequestError.illegal(error.description)
        }
        let permissionAudit = AuditEvent(
            at: now,
            actor: Actor.agent(agent).description,
            action: "request.agent-permission",
            subjectType: "request",
            subjectID: id.rawValue,
            fields: [agent]
        )
        try await store.updateRequest(
            id,
            expecting: stored.request.status,
            RequestUpdate(event: event, agentPermission: (proof, now), audit: [permissionAudit, audit(for: event)])
        )
        try await applyConsentIfVerified(id)
    }

    /// Stores one of the two facts an agent's request needs; when both are on file, verifies it.
    func confirmAgent(
        _ stored: StoredRequest,
        confirmedAt: Date?,
        permission: (proof: String, actor: Actor)?
    ) async throws {
        let now = clock.now()
        let hasPermission = permission != nil || stored.agentPermissionAt != nil
        let hasConfirmation = confirmedAt != nil || stored.customerConfirmedAt != nil
        let fact = permission != nil ? "request.agent-permission" : "request.customer-confirmed"
        let actor: Actor = permission?.actor ?? .customer
        let factAudit = AuditEvent(
            at: now,
            actor: actor.description,
            action: fact,
            subjectType: "request",
            subjectID: stored.request.id.rawValue,
            fields: [stored.agentID ?? ""]
        )
        guard hasPermission, hasConfirmation else {
            try await store.updateRequest(
                stored.request.id,
                expecting: stored.request.status,
                RequestUpdate(
                    agentPermission: permission.map { ($0.proof, now) },
                    customerConfirmedAt: confirmedAt,
                    audit: [factAudit]
                )
            )
            return
        }
        var request = stored.request
        let event: LifecycleEvent
        do {
            event = try request.transition(
                to: .verified,
                actor: actor,
                at: now,
                reason: "authorized agent \(stored.agentID ?? ""): permission on file and confirmed by the customer"
            )
        } catch {
            throw RequestError.illegal(error.description)
        }
        try await store.updateRequest(
            stored.request.id,
            expecting: stored.request.status,
            RequestUpdate(
                event: event,
                agentPermission: permission.map { ($0.proof, now) },
                customerConfirmedAt: confirmedAt,
                audit: [factAudit, audit(for: event)]
            )
        )
    }
}

import Foundation
import LetheCore
import LetheStore
import Testing

/// The authorized-agent registry and the DRP bookkeeping, the same on every backend.
@Suite("Store conformance: authorized agents")
struct AgentConformanceTests {
    static func agent(_ id: String, hosts: [String] = []) -> AuthorizedAgent {
        AuthorizedAgent(
            id: id,
            name: "Agent \(id)",
            verifyKey: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            assurance: IdentityAssurance(accepts: [.email], confirmWithCustomer: true),
            callbackHosts: hosts,
            addedAt: Fixtures.created
        )
    }

    @Test(
        "Agents are added once, revoked once, and a revoked agent's token no longer maps",
        arguments: Backend.allCases
    )
    func registry(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        try await store.addAgent(Self.agent("AGENT_A", hosts: ["127.0.0.1:*", "agent.example"]), by: "admin")
        await #expect(throws: StoreError.agentExists("AGENT_A")) {
            try await store.addAgent(Self.agent("AGENT_A"), by: "admin")
        }
        #expect(try await store.agent("AGENT_A") == Self.agent("AGENT_A", hosts: ["127.0.0.1:*", "agent.example"]))
        let first = Data(repeating: 1, count: 32)
        let second = Data(repeating: 2, count: 32)
        try await store.issueAgentToken("AGENT_A", tokenHash: first, at: Fixtures.created)
        #expect(try await store.agentID(forTokenHash: first) == "AGENT_A")
        // A new pairing replaces the token: the old one maps to nobody.
        try await store.issueAgentToken("AGENT_A", tokenHash: second, at: Fixtures.created)
        #expect(try await store.agentID(forTokenHash: first) == nil)
        #expect(try await store.agentID(forTokenHash: second) == "AGENT_A")
        #expect(try await store.revokeAgent("AGENT_A", at: Fixtures.created, by: "admin"))
        #expect(try await !store.revokeAgent("AGENT_A", at: Fixtures.created, by: "admin"))
        #expect(try await store.agentID(forTokenHash: second) == nil)
        #expect(try await store.agent("AGENT_A")?.revokedAt != nil)
        #expect(try await store.agents().map(\.id) == ["AGENT_A"])
        #expect(try await store.firstBrokenAuditEntry() == nil)
    }

    @Test("A signature is recorded once until it expires; expired ones are dropped", arguments: Backend.allCases)
    func signatures(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let now = Fixtures.created
        let digest = Data(repeating: 7, count: 32)
        #expect(try await !store.signatureSeen(digest))
        #expect(try await store.recordSignature(digest, agentID: "A", expiresAt: now + 600, now: now))
        #expect(try await store.signatureSeen(digest))
        #expect(try await !store.recordSignature(digest, agentID: "A", expiresAt: now + 600, now: now + 1))
        // Past its expiry the window is closed; the record goes with the next one.
        #expect(
            try await store.recordSignature(
                Data(repeating: 8, count: 32),
                agentID: "A",
                expiresAt: now + 9_999,
                now: now + 601
            )
        )
        #expect(try await !store.signatureSeen(digest))
    }

    @Test(
        "A signed request links once; a push happens once per change and stops when settled",
        arguments: Backend.allCases
    )
    func linksAndPushes(_ backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        try await store.addAgent(Self.agent("AGENT_A"), by: "admin")
        _ = try await AccessConformanceTests.record(store, "R-DRP-1", .deletion, daysAgo: 0)
        let record = DRPRequestRecord(
            id: "0b7e0e0a-0000-4000-8000-000000000001",
            digest: Data(repeating: 3, count: 32),
            requestID: RequestID("R-DRP-1"),
            agentID: "AGENT_A",
            agentRequestID: "theirs-1",
            statusCallback: "http://127.0.0.1:8003/update_status",
            receivedAt: Fixtures.created
        )
        #expect(try await store.linkDRPRequest(record) == record)
        // The same signed request again (a retry after a crash) finds the first link, whatever id it brings.
        let retry = DRPRequestRecord(
            id: "0b7e0e0a-0000-4000-8000-000000000002",
            digest: record.digest,
            requestID: record.requestID,
            agentID: "AGENT_A",
            agentRequestID: nil,
            statusCallback: nil,
            receivedAt: Fixtures.created
        )
        #expect(try await store.linkDRPRequest(retry).id == record.id)
        #expect(try await store.drpRequest(record.id)?.agentRequestID == "theirs-1")

        let message = OutboxMessage(
            .drpStatus(request: record.id, agent: record.agentID, body: #"{"status":"in_progress"}"#),
            accountID: nil,
            recipient: record.statusCallback
        )
        let at = Fixtures.created
        #expect(try await store.recordDRPPush(record.id, state: "a", settled: false, message: message, at: at))
        #expect(try await !store.recordDRPPush(record.id, state: "a", settled: false, message: message, at: at))
        #expect(try await store.recordDRPPush(record.id, state: "b", settled: true, message: message, at: at))
        #expect(try await !store.recordDRPPush(record.id, state: "c", settled: true, message: message, at: at))
        #expect(try await store.unsettledDRPRequests(after: nil, limit: 10).isEmpty)
        // Two pushes queued, sealed under Lethe's own key, and they read back for delivery.
        let pending = try await store.pendingMessages(limit: 10, now: at + 1).filter { $0.message.kind == .drpStatus }
        #expect(pending.count == 2)
        #expect(pending.first?.message.recipient == record.statusCallback)
        #expect(pending.first?.message.parameters["body"] == #"{"status":"in_progress"}"#)
        try await store.setDRPDeniedReason(record.id, reason: "no_match")
        #expect(try await store.drpRequest(record.id)?.deniedReason == "no_match")
    }
}

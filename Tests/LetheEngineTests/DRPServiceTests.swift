import Foundation
import LetheCore
import LetheCrypto
import LetheTestSupport
import Testing

@testable import LetheEngine
@testable import LetheStore

/// The DRP service on the engine's own clock: pairing, the deadline an exercise answers with, status
/// read from the lifecycle, pushes once per change, and `expired` once the record's retention ends.
@Suite("Data Rights Protocol service")
struct DRPServiceTests {
    static let business = DRPBusiness(id: "TEST_BUSINESS", name: "Test", apiBase: "https://privacy.test.example/drp")

    /// base64(signature ‖ JSON), as an agent sends it.
    static func signed(_ object: [String: Any], _ key: Ed25519SigningKey) throws -> Data {
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Data((Data(try key.signature(for: [UInt8](json)) + [UInt8](json))).base64EncodedString().utf8)
    }

    @Test("Pair, exercise, deny, push once, then expired after the request record's retention")
    func lifecycle() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let policies = try ShippedPolicies.load()
        let service = DRPService(
            store: h.store,
            requests: h.requests,
            policies: policies,
            business: Self.business,
            clock: h.clock,
            random: SeededRandomSource(seed: 9)
        )
        let key = try Ed25519SigningKey.generate()
        try await AgentRegistry(store: h.store, clock: h.clock).add(
            id: "AGENT_T",
            name: "Test agent",
            verifyKey: key.publicKey.base64,
            assurance: IdentityAssurance(accepts: [.email], confirmWithCustomer: false),
            callbackHosts: ["agent.test.example"],
            by: "admin"
        )
        let now = h.clock.now()
        let claims: [String: Any] = [
            "agent-id": "AGENT_T", "business-id": "TEST_BUSINESS", "issued-at": DRPTime.format(now),
            "expires-at": DRPTime.format(now + 600), "drp.version": "1.0",
        ]
        let token = try #require(await service.pair(agentID: "AGENT_T", body: try Self.signed(claims, key)))
        #expect(await service.pair(agentID: "AGENT_T", body: try Self.signed(claims, key)) == nil)  // replayed

        var exercise = claims
        exercise["exercise"] = "access"
        exercise["email"] = "honora.w@example.org"
        exercise["email_verified"] = true
        exercise["status_callback"] = "https://agent.test.example/status"
        let status = try await service.exercise(bearer: token, body: try Self.signed(exercise, key))
        #expect(status.status == .inProgress && status.reason == nil)
        // A voluntary request is answered under the customer's own law: UK GDPR, one month.
        let record = try #require(try await h.store.drpRequest(status.requestID))
        let stored = try #require(try await h.store.request(record.requestID))
        #expect(stored.request.status == .verified)
        #expect(stored.schedule.jurisdiction == "uk-gdpr")
        #expect(status.expectedBy == stored.schedule.binding.due.description)

        // Nothing changed yet: nothing to push. A denial is pushed once, then the request is settled.
        #expect(try await service.pushStatusChanges() == 0)
        try await h.requests.deny(record.requestID, basis: .unverifiable, reason: "No match found.", by: .staff("o1"))
        #expect(try await service.pushStatusChanges() == 1)
        #expect(try await service.pushStatusChanges() == 0)
        let pushed = try await h.store.pendingMessages(limit: 100, now: .distantFuture)
            .filter { $0.message.kind == .drpStatus }
        #expect(pushed.count == 1)
        #expect(pushed.first?.message.recipient == "https://agent.test.example/status")
        let body = try #require(pushed.first?.message.parameters["body"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
        #expect(object["status"] == "denied" && object["reason"] == "insuf_verification")
        #expect(try await h.store.unsettledDRPRequests(after: nil, limit: 10).isEmpty)

        // A callback to a host not on the agent's allow-list is dropped; the request is still taken.
        var elsewhere = claims
        elsewhere["expires-at"] = DRPTime.format(now + 599)
        elsewhere["exercise"] = "deletion"
        elsewhere["email"] = "honora.w@example.org"
        elsewhere["email_verified"] = true
        elsewhere["status_callback"] = "http://169.254.169.254/latest/meta-data"
        let dropped = try await service.exercise(bearer: token, body: try Self.signed(elsewhere, key))
        #expect(dropped.status == .inProgress)
        #expect(try await h.store.drpRequest(dropped.requestID)?.statusCallback == nil)

        // The request record's retention ends: the agent is told `expired`, not "no such request",
        // and the link keeps nothing of the agent's own.
        try await h.store.database.write { db in
            _ = try SQLStore.deleteRequestRecords(db, ids: [record.requestID.rawValue])
        }
        let expired = try await service.status(bearer: token, requestID: status.requestID)
        #expect(expired.status == .expired)
        #expect(try await h.store.drpRequest(status.requestID)?.statusCallback == nil)
    }
}

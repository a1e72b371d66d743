import Foundation
import Testing

@testable import LetheCore

@Suite("Data Rights Protocol messages")
struct DataRightsProtocolTests {
    @Test(
        "Times as agents write them parse to the same instant",
        arguments: [
            "2026-11-23T01:31:23Z", "2026-11-23T01:31:23.000+00:00", "2026-11-23T01:31:23+0000",
            "2026-11-23T03:31:23+02:00", "2026-11-22T20:31:23.000000-05:00", "2026-11-23 01:31:23",
        ]
    )
    func times(_ text: String) throws {
        let expected = try #require(DRPTime.parse("2026-11-23T01:31:23Z"))
        let parsed = try #require(DRPTime.parse(text))
        #expect(abs(parsed.timeIntervalSince(expected)) < 0.001)
    }

    @Test("Fractions count, and nonsense is refused")
    func timeEdges() throws {
        let base = try #require(DRPTime.parse("2026-11-23T01:31:23Z"))
        #expect(try #require(DRPTime.parse("2026-11-23T01:31:23.171+00:00")).timeIntervalSince(base) > 0.17)
        for bad in ["", "2026-11-23", "2026-13-01T00:00:00Z", "2026-11-23T01:31:23+25:00", "yesterday"] {
            #expect(DRPTime.parse(bad) == nil, "\(bad)")
        }
        #expect(DRPTime.format(base) == "2026-11-23T01:31:23Z")
    }

    @Test("Actions read in both spellings and are stored in the hyphen form")
    func actions() {
        #expect(DRPAction(wire: "sale:opt_out") == .saleOptOut)
        #expect(DRPAction(wire: "sale:opt-in") == .saleOptIn)
        #expect(DRPAction(wire: "access:categories") == .accessCategories)
        #expect(DRPAction(wire: "sale") == nil)
        #expect(!DRPAction.supported.contains(.accessSpecific))
    }

    @Test("An exercise decodes its flat keys, and only claims both given and verified count")
    func exercise() throws {
        let json = """
            {"agent-id": "CR_AA_DRP_ID_001", "business-id": "MOCK_CB_001", "issued-at": "2026-11-23T01:31:23.279+00:00",
             "expires-at": "2026-11-23T01:46:23.279+00:00", "drp.version": "1.0", "exercise": "deletion",
             "regime": "ccpa", "name": "Lovelace, Ada", "email": "ada@example.org", "email_verified": true,
             "phone_number": "+14155550100", "phone_number_verified": false,
             "address": {"street_address": "1 Main St\\n", "locality": "Oakland", "region": "CA", "postal_code": "94601"},
             "status_callback": "http://127.0.0.1:8003/update_status"}
            """
        let exercise = try JSONDecoder().decode(DRPExercise.self, from: Data(json.utf8))
        #expect(exercise.agentID == "CR_AA_DRP_ID_001" && exercise.exercise == "deletion")
        #expect(exercise.address?.locality == "Oakland")
        #expect(exercise.verifiedClaims == [.email])
    }

    @Test("The status object uses the spec's keys and leaves out what is unknown")
    func statusObject() throws {
        let status = DRPStatusObject(
            requestID: "4a1f",
            agentRequestID: nil,
            status: .inProgress,
            reason: .needUserVerification,
            receivedAt: "2026-11-23T01:31:23Z",
            expectedBy: "2027-01-07",
            processingDetails: nil
        )
        let object = try #require(try JSONSerialization.jsonObject(with: status.json()) as? [String: String])
        #expect(
            object == [
                "request_id": "4a1f", "status": "in_progress", "reason": "need_user_verification",
                "received_at": "2026-11-23T01:31:23Z", "expected_by": "2027-01-07",
            ]
        )
    }

    @Test("Identity assurance round-trips its stored form; a malformed one is refused")
    func assurance() {
        let assurance = IdentityAssurance(accepts: [.email, .phoneNumber], confirmWithCustomer: true)
        #expect(assurance.stored == "email,phone_number;confirm")
        #expect(IdentityAssurance(stored: assurance.stored) == assurance)
        #expect(IdentityAssurance(stored: ";no-confirm") == IdentityAssurance(accepts: [], confirmWithCustomer: false))
        #expect(IdentityAssurance(stored: "fingerprint;confirm") == nil)
        #expect(IdentityAssurance(stored: "email") == nil)
    }

    @Test("Callbacks go only to listed hosts, over http(s), without credentials in the URL")
    func callbackAllowList() throws {
        let agent = AuthorizedAgent(
            id: "AGENT_A",
            name: "A",
            verifyKey: "",
            assurance: IdentityAssurance(accepts: [], confirmWithCustomer: false),
            callbackHosts: ["agent.example", "127.0.0.1:*", "hooks.example:8443"],
            addedAt: Date()
        )
        let allowed = [
            "https://agent.example/cb", "http://127.0.0.1:8003/update_status", "https://hooks.example:8443/x",
        ]
        let refused = [
            "https://evil.example/cb", "https://hooks.example/x", "file:///etc/passwd", "https://u:p@agent.example/",
            "gopher://agent.example/", "http://169.254.169.254/latest",
        ]
        for text in allowed { #expect(agent.allowsCallback(to: try #require(URL(string: text))), "\(text)") }
        for text in refused { #expect(!agent.allowsCallback(to: try #require(URL(string: text))), "\(text)") }
        #expect(AuthorizedAgent.isValidID("CR_AA_DRP_ID_001") && !AuthorizedAgent.isValidID("a/b"))
    }

    @Test("The business entry lists the supported actions in the hyphen form and the verifications")
    func businessEntry() throws {
        let business = DRPBusiness(id: "ACME", name: "Acme", apiBase: "https://privacy.acme.example/drp")
        #expect(business.mountPath == "/drp")
        let entry = try #require(try JSONSerialization.jsonObject(with: business.directoryEntry()) as? [String: Any])
        #expect(entry["api_base"] as? String == "https://privacy.acme.example/drp")
        #expect(entry["supported_actions"] as? [String] == ["sale:opt-out", "sale:opt-in", "deletion", "access"])
        #expect(entry["supported_verifications"] as? [String] == ["email", "phone_number"])
    }
}

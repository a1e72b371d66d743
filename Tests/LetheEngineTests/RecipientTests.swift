import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A loopback webhook receiver (Tests/interop/webhook_listener.py) that stops itself.
struct Listener {
    let process = Process()
    let port: Int
    let log: String

    init(folder: String, failFirst: Int) throws {
        log = (folder as NSString).appendingPathComponent("recipient-\(UUID().uuidString).jsonl")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("interop/webhook_listener.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The lifetime only guards against a crashed test leaving the listener behind (tests stop it):
        // 60 s was shorter than a test takes on two cores beside the whole PostgreSQL pass, and the
        // listener went away before the retried delivery it was waiting for.
        process.arguments = ["python3", script.path, log, String(failFirst), "900"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw JobFailure(message: "listener did not start")
        }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/lethe" }

    func requests() throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: log) else { return [] }
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() async {
        if let url = URL(string: "http://127.0.0.1:\(port)/shutdown") {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            _ = try? await URLSession.shared.data(for: request)
        }
        process.waitUntilExit()
    }
}

@Suite("Recipients")
struct RecipientTests {
    @Test("A deletion is passed to each recipient, signed; the request completes only when every recipient is settled")
    func deletionFanout() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let acme = try Listener(folder: h.folder, failFirst: 0)
        try await h.store.addRecipient(
            Recipient(id: "acme-mail", name: "Acme Mailer", categories: [.contact], webhookURL: acme.url, active: true),
            secret: "acme-signing-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        try await h.store.addRecipient(
            Recipient(
                id: "old-crm",
                name: "Old CRM",
                categories: [.orders],
                webhookURL: "http://127.0.0.1:9/unreachable",
                active: true
            ),
            secret: "crm-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        try await h.store.addRecipient(
            Recipient(
                id: "retired",
                name: "Retired vendor",
                categories: [.contact],
                webhookURL: acme.url,
                active: false
            ),
            secret: "x",
            at: h.clock.now(),
            by: "staff:officer"
        )
        let id = try await p.approved(.deletion)
        _ = try await p.runner.runOnce()
        h.clock.advance(15 * 86_400)
        _ = try await p.runner.runOnce()  // erasure, which queues the notices
        #expect(try await h.store.account(h.customer) == nil)
        _ = try await p.runner.runOnce()  // the notices
        var settled = try await h.store.requestRecipients(id)
        #expect(settled.map(\.recipientID) == ["acme-mail", "old-crm"])
        #expect(settled.first { $0.recipientID == "acme-mail" }?.status == .acknowledged)
        #expect(settled.first { $0.recipientID == "old-crm" }?.status == .pending)
        #expect(try await h.store.request(id)?.request.status == .inProgress)
        // The notice was signed with Acme's secret and carried the customer reference, no contact details.
        let received = try #require(try acme.requests().first)
        let headers = try #require(received["headers"] as? [String: String])
        let body = try #require(received["body"] as? String)
        let timestamp = try #require(
            headers["lethe-signature"]?.split(separator: ",").first.flatMap { Int($0.dropFirst(2)) }
        )
        let expected = try WebhookTransport.signature(
            secret: SecretBytes(Array("acme-signing-secret".utf8)),
            timestamp: timestamp,
            body: Data(body.utf8)
        )
        #expect(headers["lethe-signature"] == expected)
        #expect(
            body.contains("\"action\":\"deletion\"") && body.contains(h.customer.description)
                && !body.contains("honora")
        )
        await acme.stop()
        // The unreachable recipient: an officer records, with reasons, that informing it is impossible.
        let fanout = RecipientFanout(store: h.store, clock: h.clock)
        await #expect(throws: RequestError.self) {
            _ = try await fanout.settleByOfficer(id, recipient: "old-crm", status: .impossible, note: "")
        }
        let settledByOfficer = try await fanout.settleByOfficer(
            id,
            recipient: "old-crm",
            status: .impossible,
            note: "Vendor ceased trading in 2025; its systems were destroyed (certificate on file)."
        )
        #expect(settledByOfficer)
        let deletion = DeletionProcessor(
            store: h.store,
            requests: h.requests,
            policies: try ShippedPolicies.load(),
            clock: h.clock,
            dispatcher: p.dispatcher
        )
        try await deletion.completeIfSettled(id)
        let done = try #require(try await h.store.request(id))
        #expect(done.request.status == .completed)
        settled = try await h.store.requestRecipients(id)
        let everySettled = settled.allSatisfy { $0.status.isSettled }
        #expect(everySettled)
    }

    @Test("An opt-out of sale or sharing is passed on to recipients before the request completes")
    func optOutFanout() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let partner = try Listener(folder: h.folder, failFirst: 1)
        try await h.store.addRecipient(
            Recipient(
                id: "ad-partner",
                name: "Ad Partner",
                categories: [.orders],
                webhookURL: partner.url,
                active: true
            ),
            secret: "partner-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        let receipt = try await h.requests.submit(
            RequestSubmission(
                kind: .consentChange,
                accountID: h.customer,
                channel: .web,
                jurisdiction: "us-ca",
                consentChanges: ["sale-or-sharing": false]
            )
        )
        let id = receipt.outcome.requestID
        #expect(try await h.store.request(id)?.request.status == .inProgress)
        #expect(try await p.runner.runOnce().retried == 1)  // the partner fails once
        h.clock.advance(31)
        #expect(try await p.runner.runOnce().completed == 1)
        #expect(try await h.store.request(id)?.request.status == .completed)
        let partnerRequests = try partner.requests()
        #expect(partnerRequests.count == 2)
        await partner.stop()
    }
}

@Suite("Rectification and reactivation")
struct RectificationTests {
    @Test("A verified change is passed to recipients holding that category, with field names only")
    func rectificationNotice() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let mailer = try Listener(folder: h.folder, failFirst: 0)
        try await h.store.addRecipient(
            Recipient(id: "mailer", name: "Mailer", categories: [.contact], webhookURL: mailer.url, active: true),
            secret: "mailer-signing-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        try await h.store.addRecipient(
            Recipient(id: "warehouse", name: "Warehouse", categories: [.address], webhookURL: mailer.url, active: true),
            secret: "warehouse-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        let verified = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "agent-1")
        )
        let outcome = try await h.accounts.modify(
            h.customer,
            changes: [.email("honora.new@example.org")],
            verification: verified,
            reason: "new address",
            reference: nil,
            by: "agent-1"
        )
        #expect(outcome == .applied)
        #expect(try await p.runner.runOnce().completed == 1)  // only the mailer holds contact data
        let received = try mailer.requests()
        #expect(received.count == 1)
        let body = try #require(received.first?["body"] as? String)
        #expect(
            body.contains("\"action\":\"rectification\"") && body.contains("\"email\"") && !body.contains("honora.new")
        )
        let audit = try await h.store.auditEntries(subjectType: "account", subjectID: h.customer.description).map(
            \.event.action
        )
        #expect(audit.contains("recipient.rectification-acknowledged"))
        await mailer.stop()
    }

    @Test("A deactivated account is reactivated only after verification")
    func reactivation() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        _ = try await p.approved(.deactivation)
        _ = try await p.runner.runOnce()
        #expect(try await h.store.account(h.customer)?.status == .deactivated)
        let unverified = try await h.accounts.modify(
            h.customer,
            changes: [.status(.active)],
            verification: nil,
            reason: "back",
            reference: nil,
            by: "agent-1"
        )
        guard case .escalated = unverified else {
            Issue.record("reactivation without verification must be held")
            return
        }
        #expect(try await h.store.account(h.customer)?.status == .deactivated)
        let verified = try #require(
            try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "agent-1")
        )
        #expect(
            try await h.accounts.modify(
                h.customer,
                changes: [.status(.active)],
                verification: verified,
                reason: "back",
                reference: nil,
                by: "agent-1"
            ) == .applied
        )
        #expect(try await h.store.account(h.customer)?.status == .active)
    }

    @Test("after the customer is erased, the open request can still be cancelled, read, and put in a dossier")
    func evidenceOutlivesErasure() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await h.store.addRecipient(
            Recipient(
                id: "silent-crm",
                name: "Silent CRM",
                categories: [.contact],
                webhookURL: "http://127.0.0.1:9/unreachable",
                active: true
            ),
            secret: "crm-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        let id = try await p.approved(.deletion)
        _ = try await p.runner.runOnce()
        h.clock.advance(15 * 86_400)
        _ = try await p.runner.runOnce()  // the erasure; the recipient never answers
        #expect(try await h.store.account(h.customer) == nil)
        #expect(try await h.store.request(id)?.request.status == .inProgress)
        // An extension needs a notice to the customer, who is gone: a clear refusal, nothing changed.
        await #expect(throws: StoreError.subjectErased(id)) {
            try await h.requests.extend(id, reason: "the recipient is slow", by: "officer-1")
        }
        // Cancelling needs only a reason, which is kept as "(erased)": there is no key to seal it under.
        try await h.requests.cancel(id, reason: "recipient unreachable; closing", by: .staff("officer-1"))
        let stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .cancelled)
        #expect(stored.request.events.last?.reason == "(erased)")
        #expect(stored.requesterEmail == nil)
        let dossier = try await h.requests.dossier(id)
        #expect(dossier.stored.request.status == .cancelled)
        // And it stays readable: a second load replays the same lifecycle.
        #expect(try await h.store.request(id)?.request.events.count == stored.request.events.count)
    }
}

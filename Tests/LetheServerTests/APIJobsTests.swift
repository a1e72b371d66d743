import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import LetheStore
import NIOCore
import OpenAPIRuntime
import Testing

@testable import LetheServer

/// The queue, deletion receipts and export bundles over the API, each behind its permission, each
/// answer decoded by the client generated from the document.
@Suite("Jobs, receipts and bundles over the API")
struct APIJobsTests {
    @Test("an officer runs the jobs, reads the bundle's record and takes an audited copy that counts")
    func runJobsAndCopyBundle() async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("bundle.api@example.com")
        let requests = server.runtime.requests()
        let id = try await server.submit(.export, for: account)
        let verification = try await server.runtime.accounts().verifySecurityAnswer(account, answer: "Otter", by: "a")
        try await requests.verify(id, with: try #require(verification), by: "agent")
        try await requests.approve(id, by: "officer")
        let officer = try await server.token(.officer)
        let agent = try await server.token(.agent)
        let auditor = try await server.token(.auditor)
        try await server.test { client in
            let asOfficer = try TestServer.api(client, officer)
            guard case .default(let forbidden, _) = try await TestServer.api(client, agent).runJobs() else {
                Issue.record("an agent ran the jobs")
                return
            }
            #expect(forbidden == 403)
            let run = try await asOfficer.runJobs().ok.body.json
            #expect(run.completed == 1)
            #expect(run.dead == 0)
            let again = try await asOfficer.runJobs().ok.body.json
            #expect(again.completed == 0)

            let bundle = try await asOfficer.showExportBundle(path: .init(id: id.rawValue)).ok.body.json
            #expect(bundle.request == id.rawValue)
            #expect(bundle.downloadsLeft == 3)
            #expect(bundle.sha256.count == 64)

            let refused = try await TestServer.api(client, auditor).downloadExportBundle(
                path: .init(bundle: bundle.id),
                body: .json(.init(reason: "curious"))
            )
            guard case .default(let status, _) = refused else {
                Issue.record("an auditor copied a customer's bundle")
                return
            }
            #expect(status == 403)
            let copy = try await asOfficer.downloadExportBundle(
                path: .init(bundle: bundle.id),
                body: .json(.init(reason: "the customer asked for it on a USB stick by post"))
            ).ok.body.applicationZip
            let bytes = try await [UInt8](collecting: copy, upTo: 10 << 20)
            #expect(Array(bytes.prefix(2)) == Array("PK".utf8))
            let after = try await asOfficer.showExportBundle(path: .init(id: id.rawValue)).ok.body.json
            #expect(after.downloadsLeft == 2)
        }
        let audit = try await server.runtime.evidence.auditEntries(subjectType: "request", subjectID: id.rawValue)
        let copied = try #require(audit.first { $0.event.action == "bundle.downloaded" })
        #expect(copied.event.actor.hasPrefix("token:"))
        #expect(
            try await server.runtime.evidence.reason(of: copied) == "the customer asked for it on a USB stick by post"
        )
    }

    @Test("a deletion receipt is read over the API once the erasure is done, and names no personal value")
    func deletionReceipt() async throws {
        let server = try await TestServer.make()
        let email = "receipt.api@example.com"
        let account = try await server.customer(email)
        let id = try await server.submit(.deletion, for: account)
        let auditor = try await server.token(.auditor)
        let agent = try await server.token(.agent)
        try await server.test { client in
            let api = try TestServer.api(client, auditor)
            guard case .default(let missing, _) = try await api.showDeletionReceipt(path: .init(id: id.rawValue))
            else {
                Issue.record("a receipt before any erasure")
                return
            }
            #expect(missing == 404)
            try await server.runtime.erasure().erase(account, receipt: id, at: server.runtime.clock.now())
            let receipt = try await api.showDeletionReceipt(path: .init(id: id.rawValue)).ok.body.json
            #expect(receipt.request == id.rawValue)
            #expect(receipt.account == account.description)
            #expect((receipt.erased.additionalProperties["accounts"] ?? 0) == 1)
            guard
                case .default(let forbidden, _) = try await TestServer.api(client, agent).showDeletionReceipt(
                    path: .init(id: id.rawValue)
                )
            else {
                Issue.record("an agent read the evidence")
                return
            }
            #expect(forbidden == 403)
            let raw = try await client.execute(
                uri: "/api/v1/requests/\(id)/receipt",
                method: .get,
                headers: .bearer(auditor)
            )
            #expect(!raw.text.contains(email))
            #expect(!raw.text.contains("Test Customer"))
        }
    }

    @Test("a dead job is listed with why and requeued once, with the reason audited")
    func deadJobRequeued() async throws {
        let server = try await TestServer.make()
        // An erasure job for a request that does not exist fails, and with one attempt it dies.
        try await server.runtime.store.enqueue(
            NewJob(
                .eraseAccount(LetheCore.RequestID("R-20260101-DEAD0001")),
                dedupeKey: "dead:api",
                runAt: server.runtime.clock.now(),
                maxAttempts: 1
            )
        )
        let admin = try await server.token(.admin)
        try await server.test { client in
            let api = try TestServer.api(client, admin)
            #expect(try await api.runJobs().ok.body.json.dead == 1)
            let queue = try await api.listJobs().ok.body.json
            #expect(queue.counts.dead == 1)
            let dead = try #require(queue.dead.first)
            #expect(dead.request == "R-20260101-DEAD0001")
            #expect(dead.lastError?.isEmpty == false)
            let back = try await api.requeueJob(
                path: .init(job: dead.id),
                body: .json(.init(reason: "fixed the cause"))
            )
            .ok.body.json
            #expect(back.id == dead.id)
            guard
                case .default(let conflict, _) = try await api.requeueJob(
                    path: .init(job: dead.id),
                    body: .json(.init(reason: "again"))
                )
            else {
                Issue.record("a live job was requeued")
                return
            }
            #expect(conflict == 409)
            #expect(try await api.listJobs().ok.body.json.counts.ready == 1)
        }
    }
}

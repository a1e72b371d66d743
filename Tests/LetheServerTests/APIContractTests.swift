import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import OpenAPIRuntime
import Testing

@testable import LetheServer

/// The API as the OpenAPI document describes it: every call goes through the client generated from
/// the same document, so a response that drifts from the document fails to decode.
@Suite("JSON API contract")
struct APIContractTests {
    @Test("a request goes from submission through verification and approval, every answer matching the document")
    func requestLifecycleMatchesTheDocument() async throws {
        let server = try await TestServer.make()
        let agent = try await server.token(.agent)
        let officer = try await server.token(.officer)
        try await server.test { client in
            let asAgent = try TestServer.api(client, agent)
            let asOfficer = try TestServer.api(client, officer)
            let created = try await asAgent.createAccount(
                body: .json(
                    .init(
                        fullName: "Ada Contract",
                        email: "ada.contract@example.com",
                        dateOfBirth: "1980-01-02",
                        residence: "uk-gdpr",
                        securityAnswer: "Otter"
                    )
                )
            ).created.body.json
            #expect(created.email != "ada.contract@example.com")
            #expect(created.email.contains("•") || created.email.contains("*"))

            let receipt = try await asAgent.submitRequest(
                headers: .init(idempotencyKey: "contract-1"),
                body: .json(.init(kind: .export, account: created.id, channel: .phone))
            ).created.body.json
            #expect(receipt.outcome == .created)
            #expect(receipt.status == .awaitingVerification)
            #expect(receipt.schedule.response.citation.contains("Art"))
            let again = try await asAgent.submitRequest(
                headers: .init(idempotencyKey: "contract-1"),
                body: .json(.init(kind: .export, account: created.id, channel: .phone))
            ).created.body.json
            #expect(again.id == receipt.id)
            #expect(again.outcome == .repeated)

            let verified = try await asAgent.verifyRequest(
                path: .init(id: receipt.id),
                body: .json(.init(answer: "otter"))
            ).ok.body.json
            #expect(verified.status == .verified)
            let approved = try await asOfficer.approveRequest(path: .init(id: receipt.id)).ok.body.json
            #expect(approved.status == .inProgress)

            let detail = try await asOfficer.showRequest(path: .init(id: receipt.id)).ok.body.json
            #expect(detail.timeline.map(\.to) == [.awaitingVerification, .verified, .inProgress])
            #expect(detail.schedule.binding.due == detail.request.due)
            _ = try await server.runtime.dispatcher().dispatch()  // the server may have sent it already
            let told = try await asOfficer.showRequest(path: .init(id: receipt.id)).ok.body.json
            #expect(told.acknowledgement.status == .sent)
            #expect(told.acknowledgement.sentAt != nil)

            let queue = try await asOfficer.listRequests().ok.body.json
            #expect(queue.requests.contains { $0.id == receipt.id })
            let dues = queue.requests.map(\.due)
            #expect(dues == dues.sorted())

            let notes = try await asOfficer.listRecordNotes(path: .init(account: created.id)).ok.body.json
            #expect(!notes.notes.isEmpty)
            let audit = try await asOfficer.verifyAuditTrail().ok.body.json
            #expect(audit.intact)
        }
    }

    @Test("a correction is submitted, shown to the officer who decides it, and applied once approved")
    func correctionMatchesTheDocument() async throws {
        let server = try await TestServer.make()
        let agent = try await server.token(.agent)
        let officer = try await server.token(.officer)
        try await server.test { client in
            let asAgent = try TestServer.api(client, agent)
            let asOfficer = try TestServer.api(client, officer)
            let created = try await asAgent.createAccount(
                body: .json(
                    .init(
                        fullName: "Ada Contract",
                        email: "ada.correct@example.com",
                        residence: "us-ca",
                        securityAnswer: "Otter"
                    )
                )
            ).created.body.json
            let receipt = try await asAgent.submitRequest(
                body: .json(
                    .init(
                        kind: .correction,
                        account: created.id,
                        channel: .phone,
                        correction: .init(field: .fullName, value: "Ada Kingsley", statement: "Changed by deed poll.")
                    )
                )
            ).created.body.json
            #expect(receipt.schedule.kind == .correction)
            #expect(receipt.schedule.response.citation.contains("1798"))
            let detail = try await asOfficer.showRequest(path: .init(id: receipt.id)).ok.body.json
            #expect(detail.request.kind == .correction)
            #expect(detail.correction?.field == .fullName)
            #expect(detail.correction?.value == "Ada Kingsley")
            #expect(detail.correction?.statement == "Changed by deed poll.")

            _ = try await asAgent.verifyRequest(path: .init(id: receipt.id), body: .json(.init(answer: "otter")))
            _ = try await asOfficer.approveRequest(path: .init(id: receipt.id))
            #expect(try await server.runtime.jobRunner(worker: "test").runOnce().completed == 1)
            let done = try await asOfficer.showRequest(path: .init(id: receipt.id)).ok.body.json
            #expect(done.request.status == .completed)
            let notes = try await asOfficer.listRecordNotes(path: .init(account: created.id)).ok.body.json
            #expect(notes.notes.contains { $0.summary.contains("full-name") && $0.reference == receipt.id })
        }
    }

    @Test("a correction without its value, or on another kind, is refused before anything is stored")
    func correctionRefused() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.agent)
        try await server.test { client in
            for body in [
                #"{"kind":"correction","account":"TR-00001","correction":{"field":"email"}}"#,
                #"{"kind":"export","account":"TR-00001","correction":{"field":"phone","value":"+447700900123"}}"#,
                #"{"kind":"correction","email":"a@example.org","jurisdiction":"uk-gdpr"}"#,
                #"{"kind":"correction","email":"a@example.org","jurisdiction":"uk-gdpr","correction":{"field":"email","value":"no-at-sign-secret"}}"#,
            ] {
                let response = try await client.execute(
                    uri: "/api/v1/requests",
                    method: .post,
                    headers: .json(token),
                    body: .json(body)
                )
                #expect(response.status == .badRequest, "\(body)")
                #expect(!response.text.contains("secret"))
            }
            #expect(try await server.runtime.requests().list(RequestQuery(statuses: nil)).isEmpty)
        }
    }

    @Test("an officer denies, extends and assigns with reasons; a denial without a basis is refused")
    func decisionsNeedReasons() async throws {
        let server = try await TestServer.make()
        let officer = try await server.token(.officer)
        let account = try await server.customer("deny.me@example.com")
        try await server.test { client in
            let api = try TestServer.api(client, officer)
            let first = try await api.submitRequest(body: .json(.init(kind: .deletion, account: account.description)))
                .created.body.json
            let assigned = try await api.assignRequest(path: .init(id: first.id), body: .json(.init(assignee: "sam")))
                .ok.body.json
            #expect(assigned.assignee == "sam")
            let denied = try await api.denyRequest(
                path: .init(id: first.id),
                body: .json(.init(basis: .unverifiable, reason: "We could not confirm who asked."))
            ).ok.body.json
            #expect(denied.status == .denied)
            #expect(denied.urgency == .finished)

            // The body is valid JSON but lacks the basis: refused before anything changes.
            let response = try await client.execute(
                uri: "/api/v1/requests/\(first.id)/deny",
                method: .post,
                headers: .json(officer),
                body: .json(#"{"reason":"no basis"}"#)
            )
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("metrics and the CCPA report follow the document")
    func reportsMatchTheDocument() async throws {
        let server = try await TestServer.make()
        let auditor = try await server.token(.auditor)
        let officer = try await server.token(.officer)
        let account = try await server.customer("ca.consumer@example.com", residence: "us-ca")
        try await server.test { client in
            let api = try TestServer.api(client, officer)
            let request = try await api.submitRequest(body: .json(.init(kind: .deletion, account: account.description)))
                .created.body.json
            _ = try await api.denyRequest(
                path: .init(id: request.id),
                body: .json(.init(basis: .unverifiable, reason: "Not verified."))
            ).ok
            let reader = try TestServer.api(client, auditor)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let metrics = try await reader.ccpaMetrics(query: .init(year: year)).ok.body.json
            let delete = try #require(metrics.kinds.first(where: { $0.kind == .delete }))
            #expect(delete.received == 1)
            #expect(delete.denied == 1)
            #expect(delete.deniedByBasis.additionalProperties["unverifiable"] == 1)
            #expect(delete.medianDaysToRespond == 0)
            #expect(metrics.citation == "11 CCR §7102(a)")
            // Every kind §7102(a)(1) names is reported, with zeros when none was received, and appeals apart.
            #expect(metrics.kinds.map(\.kind) == [.know, .delete, .correct, .optOut, .limit, .appeal, .other])
            #expect(metrics.kinds.first { $0.kind == .know }?.received == 0)
        }
    }
}

extension APIContractTests {
    @Test("recipients, escalations and a purge dry run through the API match the document")
    func oversightMatchesTheDocument() async throws {
        let server = try await TestServer.make()
        let admin = try await server.token(.admin)
        let account = try await server.customer("escalate.me@example.com")
        _ = try await server.runtime.accounts().modify(
            account,
            changes: [.phone("+44 20 7946 0999")],
            verification: nil,
            reason: "caller could not answer the security question",
            reference: nil,
            by: "agent"
        )
        try await server.test { client in
            let api = try TestServer.api(client, admin)
            let added = try await api.addRecipient(
                body: .json(
                    .init(
                        id: "crm",
                        name: "CRM",
                        categories: [.contact],
                        webhookURL: "https://crm.example/hook",
                        secret: "0123456789abcdefXYZ"
                    )
                )
            ).created.body.json
            #expect(added.id == "crm")
            let again = try await api.addRecipient(
                body: .json(
                    .init(
                        id: "crm",
                        name: "CRM",
                        categories: [.contact],
                        webhookURL: "https://crm.example/hook",
                        secret: "0123456789abcdefXYZ"
                    )
                )
            )
            guard case .default(let status, _) = again else {
                Issue.record("a second registration under the same id was accepted")
                return
            }
            #expect(status == 409)
            let escalations = try await api.listEscalations().ok.body.json.escalations
            #expect(escalations.map(\.account) == [account.description])
            #expect(escalations.first?.fields == ["phone"])
            let purge = try await api.runPurge(query: .init(dryRun: true)).ok.body.json
            #expect(purge.dryRun)
            #expect(purge.rules.contains { $0.rule == "security-events" })
        }
    }
}

/// Bad input gets an RFC 9457 problem that says what to fix, and changes nothing.
@Suite("Problem details")
struct ProblemTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        let authorised: Bool
        let status: Int
        let slug: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "no credentials",
            method: .get,
            path: "/api/v1/requests",
            body: nil,
            authorised: false,
            status: 401,
            slug: "unauthenticated"
        ),
        Case(
            name: "malformed JSON",
            method: .post,
            path: "/api/v1/requests",
            body: "{kind: export",
            authorised: true,
            status: 400,
            slug: "invalid-input"
        ),
        Case(
            name: "a wrong enum value",
            method: .post,
            path: "/api/v1/requests",
            body: #"{"kind":"erase-everything"}"#,
            authorised: true,
            status: 400,
            slug: "invalid-input"
        ),
        Case(
            name: "a missing required field",
            method: .post,
            path: "/api/v1/requests",
            body: #"{"channel":"web"}"#,
            authorised: true,
            status: 400,
            slug: "invalid-input"
        ),
        Case(
            name: "an unknown request",
            method: .get,
            path: "/api/v1/requests/R-20260101-NOPE1234",
            body: nil,
            authorised: true,
            status: 404,
            slug: "not-found"
        ),
        Case(
            name: "an unknown route",
            method: .get,
            path: "/api/v1/nothing-here",
            body: nil,
            authorised: true,
            status: 404,
            slug: "not-found"
        ),
        Case(
            name: "a malformed account id",
            method: .get,
            path: "/api/v1/accounts/TR-1",
            body: nil,
            authorised: true,
            status: 400,
            slug: "invalid-input"
        ),
        Case(
            name: "approving an unknown request",
            method: .post,
            path: "/api/v1/requests/R-20260101-NOPE1234/approve",
            body: nil,
            authorised: true,
            status: 404,
            slug: "not-found"
        ),
    ]

    @Test("each bad call gets a problem document with a stable type", arguments: cases)
    func badCallsGetProblems(_ item: Case) async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            var headers: HTTPFields = item.authorised ? .bearer(token) : [:]
            if item.body != nil { headers[.contentType] = "application/json" }
            let response = try await client.execute(
                uri: item.path,
                method: item.method,
                headers: headers,
                body: item.body.map { ByteBuffer(string: $0) }
            )
            #expect(response.status.code == item.status)
            #expect(response.headers[.contentType] == "application/problem+json")
            let document = response.json
            #expect(document["type"] as? String == Problem.typeBase + item.slug)
            #expect(document["status"] as? Int == item.status)
            #expect((document["detail"] as? String)?.isEmpty == false)
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
    }

    @Test("a method a path does not have gets 405 with the methods it does have")
    func methodNotAllowedNamesTheAllowedMethods() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            let response = try await client.execute(uri: "/api/v1/holds", method: .put, headers: .bearer(token))
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, POST")
        }
    }

    @Test("a body over the limit is refused with 413 before it is parsed")
    func oversizedBodyIsRefused() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            let huge = #"{"kind":"export","email":""# + String(repeating: "a", count: 70_000) + #""}"#
            let response = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: .json(token),
                body: .json(huge)
            )
            #expect(response.status == .contentTooLarge)
            #expect(response.json["type"] as? String == Problem.typeBase + "body-too-large")
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
    }

    @Test("a problem never echoes the personal value that was wrong")
    func problemsDoNotEchoValues() async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.agent)
        try await server.test { client in
            let response = try await client.execute(
                uri: "/api/v1/requests",
                method: .post,
                headers: .json(token),
                body: .json(#"{"kind":"export","email":"not-an-email-secret.person","jurisdiction":"uk-gdpr"}"#)
            )
            #expect(response.status == .badRequest)
            #expect(!response.text.contains("secret.person"))
        }
    }
}

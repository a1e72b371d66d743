import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import Testing

@testable import LetheServer

/// Every route against every kind of caller: nobody, a customer, and each staff role. A caller without
/// the permission gets 403 (401 without credentials) and nothing changes; one with it gets past the door.
@Suite("Route × role matrix")
struct RoleMatrixTests {
    struct Route: Sendable, CustomTestStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        let needs: Permission
        /// What the caller accepts: JSON, except where the answer is a file.
        var accept = "application/json"
        var testDescription: String { "\(method) \(path)" }
    }

    enum Caller: String, CaseIterable, Sendable {
        case nobody, customer, auditor, agent, officer, admin
        var role: StaffRole? { StaffRole(rawValue: rawValue) }
    }

    /// `{R}` is a real request id, `{A}` a real account, `{H}` a hold, `{T}` a token.
    static let routes: [Route] = [
        Route(method: .get, path: "/api/v1/requests", body: nil, needs: .readRequests),
        Route(
            method: .post,
            path: "/api/v1/requests",
            body: #"{"kind":"export","account":"{A}"}"#,
            needs: .submitRequests
        ),
        Route(method: .get, path: "/api/v1/requests/{R}", body: nil, needs: .readRequests),
        Route(method: .post, path: "/api/v1/requests/{R}/verify", body: #"{"answer":"wrong"}"#, needs: .verifyIdentity),
        Route(method: .post, path: "/api/v1/requests/{R}/approve", body: nil, needs: .decideRequests),
        Route(
            method: .post,
            path: "/api/v1/requests/{R}/deny",
            body: #"{"basis":"other","reason":"x"}"#,
            needs: .decideRequests
        ),
        Route(method: .post, path: "/api/v1/requests/{R}/extend", body: #"{"reason":"x"}"#, needs: .decideRequests),
        Route(
            method: .post,
            path: "/api/v1/requests/{R}/pause",
            body: #"{"reason":"identity"}"#,
            needs: .decideRequests
        ),
        Route(method: .post, path: "/api/v1/requests/{R}/resume", body: nil, needs: .decideRequests),
        Route(method: .post, path: "/api/v1/requests/{R}/cancel", body: #"{"reason":"x"}"#, needs: .decideRequests),
        Route(method: .post, path: "/api/v1/requests/{R}/complete", body: #"{"summary":"x"}"#, needs: .decideRequests),
        Route(method: .post, path: "/api/v1/requests/{R}/assign", body: #"{"assignee":"x"}"#, needs: .decideRequests),
        Route(
            method: .post,
            path: "/api/v1/accounts",
            body: #"{"fullName":"N","email":"matrix.new@example.com","residence":"uk-gdpr"}"#,
            needs: .workAccounts
        ),
        Route(method: .get, path: "/api/v1/accounts/{A}", body: nil, needs: .readAccounts),
        Route(
            method: .patch,
            path: "/api/v1/accounts/{A}",
            body: #"{"phone":"+44 20 7946 0000","reason":"x"}"#,
            needs: .workAccounts
        ),
        Route(
            method: .post,
            path: "/api/v1/accounts/{A}/reveal",
            body: #"{"field":"email","reason":"x"}"#,
            needs: .revealPersonalData
        ),
        Route(
            method: .post,
            path: "/api/v1/accounts/{A}/reactivate",
            body: #"{"reason":"x","verification":{"answer":"wrong"}}"#,
            needs: .workAccounts
        ),
        Route(method: .get, path: "/api/v1/accounts/{A}/notes", body: nil, needs: .readAccounts),
        Route(method: .get, path: "/api/v1/accounts/{A}/consents", body: nil, needs: .readAccounts),
        Route(method: .get, path: "/api/v1/requests/{R}/receipt", body: nil, needs: .readEvidence),
        Route(method: .get, path: "/api/v1/requests/{R}/bundle", body: nil, needs: .readRequests),
        Route(
            method: .post,
            path: "/api/v1/bundles/B-none/download",
            body: #"{"reason":"x"}"#,
            needs: .revealPersonalData,
            accept: "application/zip"
        ),
        Route(method: .get, path: "/api/v1/jobs", body: nil, needs: .readEvidence),
        Route(method: .post, path: "/api/v1/jobs/run", body: nil, needs: .runJobs),
        Route(method: .post, path: "/api/v1/jobs/1/requeue", body: #"{"reason":"x"}"#, needs: .runJobs),
        Route(method: .get, path: "/api/v1/holds", body: nil, needs: .readEvidence),
        Route(method: .post, path: "/api/v1/holds", body: #"{"account":"{A}","reason":"x"}"#, needs: .manageHolds),
        Route(method: .delete, path: "/api/v1/holds/{H}", body: nil, needs: .manageHolds),
        Route(method: .get, path: "/api/v1/recipients", body: nil, needs: .readEvidence),
        Route(method: .get, path: "/api/v1/audit/verify", body: nil, needs: .readEvidence),
        Route(
            method: .post,
            path: "/api/v1/recipients",
            body:
                #"{"id":"matrix-crm","name":"CRM","categories":["contact"],"webhookURL":"https://crm.example/hook","secret":"0123456789abcdefXYZ"}"#,
            needs: .manageAccess
        ),
        Route(method: .get, path: "/api/v1/escalations", body: nil, needs: .readAccounts),
        Route(method: .post, path: "/api/v1/purge?dry-run=true", body: nil, needs: .runJobs),
        Route(method: .get, path: "/api/v1/reports/ccpa-metrics?year=2026", body: nil, needs: .readEvidence),
        Route(method: .get, path: "/api/v1/tokens", body: nil, needs: .manageAccess),
        Route(method: .post, path: "/api/v1/tokens", body: #"{"name":"x","role":"auditor"}"#, needs: .manageAccess),
        Route(method: .delete, path: "/api/v1/tokens/{T}", body: nil, needs: .manageAccess),
        Route(method: .get, path: "/api/v1/staff", body: nil, needs: .manageAccess),
        Route(
            method: .post,
            path: "/api/v1/staff",
            body: #"{"username":"matrix.user","role":"agent","password":"correct horse battery"}"#,
            needs: .manageAccess
        ),
        Route(method: .get, path: "/dashboard", body: nil, needs: .readRequests),
        Route(method: .get, path: "/dashboard/requests/{R}", body: nil, needs: .readRequests),
        Route(method: .get, path: "/dashboard/requests/{R}/dossier", body: nil, needs: .readEvidence),
        Route(method: .get, path: "/dashboard/accounts/{A}", body: nil, needs: .readAccounts),
        Route(method: .get, path: "/dashboard/oversight", body: nil, needs: .readEvidence),
        Route(method: .get, path: "/dashboard/load", body: nil, needs: .readRequests),
        Route(method: .get, path: "/dashboard/reports?year=2026", body: nil, needs: .readEvidence),
        Route(method: .get, path: "/dashboard/reports/ccpa.csv?year=2026", body: nil, needs: .readEvidence),
    ]

    @Test("each caller is let through exactly where its role allows", arguments: routes)
    func callersAreLetThroughOnlyWhereAllowed(_ route: Route) async throws {
        let server = try await TestServer.make()
        let account = try await server.customer("matrix.customer@example.com")
        for caller in Caller.allCases {
            let request = try await server.runtime.requests().submit(
                RequestSubmission(kind: .deletion, accountID: account, channel: .web)
            )
            let hold = try await HoldService(store: server.runtime.store, clock: server.runtime.clock).place(
                account,
                categories: [],
                reason: "matrix",
                owner: "test"
            )
            _ = try await server.token(.auditor)  // the token a DELETE /tokens/{T} revokes
            let tokenID = try await server.runtime.store.apiTokens().last?.id ?? "T-0"
            let path = route.path.replacingOccurrences(of: "{R}", with: request.outcome.requestID.rawValue)
                .replacingOccurrences(of: "{A}", with: account.description)
                .replacingOccurrences(of: "{H}", with: hold.id).replacingOccurrences(of: "{T}", with: tokenID)
            let body = route.body?.replacingOccurrences(of: "{A}", with: account.description)
            var headers: HTTPFields = [.accept: route.accept]
            if body != nil { headers[.contentType] = "application/json" }
            switch caller {
            case .nobody: break
            case .customer:
                let session = try await server.access.openCustomerSession(account)
                headers[.cookie] = "lethe_customer=\(session.token); lethe_session=\(session.token)"
            default:
                headers[.authorization] = "Bearer \(try await server.token(caller.role!))"
            }
            let sent = headers
            let status = try await server.test { client in
                try await client.execute(
                    uri: path,
                    method: route.method,
                    headers: sent,
                    body: body.map { ByteBuffer(string: $0) }
                ).status
            }
            let isDashboard = path.hasPrefix("/dashboard")
            switch caller {
            case .nobody, .customer:
                // The API says 401; a dashboard page sends the browser to the sign-in page.
                #expect(status == (isDashboard ? .seeOther : .unauthorized), "\(caller) on \(route.testDescription)")
            default:
                if caller.role!.may(route.needs) {
                    #expect(
                        status != .forbidden && status != .unauthorized && status.code < 500,
                        "\(caller) on \(route.testDescription) got \(status)"
                    )
                } else {
                    #expect(status == .forbidden, "\(caller) on \(route.testDescription) got \(status)")
                }
            }
        }
    }

    @Test("roles are least privilege: an auditor changes nothing, an agent cannot decide or reveal")
    func rolesAreLeastPrivilege() {
        #expect(StaffRole.auditor.permissions == [.readRequests, .readAccounts, .readEvidence])
        #expect(!StaffRole.agent.may(.decideRequests))
        #expect(!StaffRole.agent.may(.revealPersonalData))
        #expect(!StaffRole.officer.may(.manageAccess))
        #expect(StaffRole.admin.permissions == Set(Permission.allCases))
    }
}

import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// Oversight: legal holds, recipients, escalations and authorized agents.
struct OversightRoutes: DashboardController {
    /// The server's shared services and settings.
    let dependencies: ServerDependencies

    /// The oversight pages over the server's dependencies.
    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    /// Adds `GET /dashboard/oversight` and the form posts that place and release holds and add and revoke agents.
    func register(on router: Router<LetheRequestContext>) {
        let dashboard = router.group("dashboard")
        dashboard.get("oversight") { _, context in try await oversight(context) }
        dashboard.post("holds") { request, context in try await placeHold(request, context) }
        dashboard.post("holds/:hold/release") { request, context in try await releaseHold(request, context) }
        dashboard.post("agents") { request, context in try await addAgent(request, context) }
        dashboard.post("agents/:agent/revoke") { request, context in try await revokeAgent(request, context) }
    }

    /// The oversight page (needs `read-evidence`): holds, recipients, open escalations and agents; `error`
    /// shows why the last form was refused, above the forms.
    func oversight(_ context: LetheRequestContext, error: String? = nil) async throws -> Response {
        guard let principal = try staff(context, .readEvidence) else { return Pages.redirect("/login") }
        var model = frame(context, principal, title: "Holds, recipients, escalations")
        model["holds"] = try await runtime.evidence.holds().map {
            [
                "id": $0.id, "account": $0.accountID.description, "reason": $0.reason, "owner": $0.owner,
                "placedAt": pages.times.text($0.placedAt),
                "categories": $0.categories.isEmpty
                    ? "all" : $0.categories.map(\.rawValue).sorted().joined(separator: ", "),
            ]
        }
        model["recipients"] = try await runtime.administration.recipients().map {
            [
                "id": $0.id, "name": $0.name,
                "categories": $0.categories.map(\.rawValue).sorted().joined(separator: ", "),
                "active": $0.active,
            ]
        }
        model["escalations"] = try await runtime.oversight.openEscalations().map {
            [
                "id": $0.id, "account": $0.accountID.description, "kind": $0.kind, "reason": $0.reason,
                "at": pages.times.text($0.at), "by": $0.requestedBy,
            ]
        }
        model["agents"] = try await runtime.administration.agents().map {
            [
                "id": $0.id, "name": $0.name, "accepts": $0.assurance.stored, "active": $0.revokedAt == nil,
                "callbackHosts": $0.callbackHosts.joined(separator: " "), "addedAt": pages.times.text($0.addedAt),
            ]
        }
        model["categories"] = DataCategory.allCases.map(\.rawValue)
        if let error { model["error"] = error }
        return pages.render("oversight", model)
    }

    /// Registers an authorized agent (Data Rights Protocol) from the oversight page.
    func addAgent(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .manageAccess) else { return Pages.redirect("/login") }
        let claims = Set((form.values["accept"] ?? []).compactMap(AgentClaim.init(rawValue:)))
        do {
            try await runtime.agentRegistry().add(
                id: form["id"] ?? "",
                name: form["name"] ?? "",
                verifyKey: form["key"] ?? "",
                assurance: IdentityAssurance(accepts: claims, confirmWithCustomer: form["confirm"] == "on"),
                callbackHosts: (form["callbackHosts"] ?? "").split(separator: " ").map(String.init),
                by: principal.actorName
            )
        } catch let error as AgentRegistryError {
            return try await oversight(context, error: error.description)
        }
        return Pages.redirect("/dashboard/oversight")
    }

    /// Revokes an agent (needs `manage-access` and the CSRF token); 404 when it is not an active agent.
    func revokeAgent(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let agent = try context.parameters.require("agent")
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .manageAccess) else { return Pages.redirect("/login") }
        guard try await runtime.administration.revokeAgent(agent, by: principal.actorName) else {
            throw Problem.notFound("no active agent \(agent)")
        }
        return Pages.redirect("/dashboard/oversight")
    }

    /// Places a hold from the form (needs `manage-holds` and the CSRF token), owned by the signed-in user;
    /// a bad account id or missing reason redisplays the page with the reason.
    func placeHold(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .manageHolds) else { return Pages.redirect("/login") }
        do {
            let id = try AccountID(form["account"] ?? "")
            let categories = Set((form.values["category"] ?? []).compactMap(DataCategory.init(rawValue:)))
            _ = try await runtime.holds().place(
                id,
                categories: categories,
                reason: form["reason"] ?? "",
                owner: principal.actorName
            )
        } catch is AccountID.ParseError {
            return try await oversight(context, error: "an account id is TR- and 5 digits")
        } catch let error as AccountError {
            return try await oversight(context, error: error.description)
        }
        return Pages.redirect("/dashboard/oversight")
    }

    /// Releases a hold (needs `manage-holds` and the CSRF token); erasures it blocked are rescheduled.
    func releaseHold(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let hold = try context.parameters.require("hold")
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .manageHolds) else { return Pages.redirect("/login") }
        guard try await runtime.holds().release(hold, by: principal.actorName)
        else { throw Problem.notFound("no hold \(hold) in force") }
        return Pages.redirect("/dashboard/oversight")
    }
}

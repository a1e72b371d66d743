import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// An account as support staff see it (masked), and a revealed field with its audited reason.
struct AccountRoutes: DashboardController {
    /// The server's shared services and settings.
    let dependencies: ServerDependencies

    /// The account pages over the server's dependencies.
    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    /// Adds `GET /dashboard/accounts/:account` and its `POST …/reveal`.
    func register(on router: Router<LetheRequestContext>) {
        let dashboard = router.group("dashboard")
        dashboard.get("accounts/:account") { _, context in
            try await accountPage(context, account: context.parameters.require("account"), revealed: nil)
        }
        dashboard.post("accounts/:account/reveal") { request, context in try await reveal(request, context) }
        registerChanges(on: dashboard)
        registerRequests(on: dashboard)
    }

    /// The masked account with its notes, requests and holds (needs `read-accounts`); `revealed` shows the
    /// one value just revealed on the same page, never stored or cached.
    func accountPage(
        _ context: LetheRequestContext,
        account: String,
        revealed: (String, String)?,
        outcome: ChangeOutcome? = nil
    ) async throws
        -> Response
    {
        guard let principal = try staff(context, .readAccounts) else { return Pages.redirect("/login") }
        let id: AccountID
        do { id = try AccountID(account) } catch { throw Problem.badRequest("an account id is TR- and 5 digits") }
        let accounts = runtime.accounts()
        let masked = try await accounts.view(id)
        var model = frame(context, principal, title: "Account \(id)")
        model["account"] = masked
        model["addresses"] = masked.addressEntries.map { ["row": $0.id, "text": $0.text] }
        model["payments"] = masked.paymentMethodEntries.map { ["row": $0.id, "text": $0.text] }
        model["deactivated"] = masked.status == AccountStatus.deactivated.rawValue
        model["canChange"] = principal.role?.may(.workAccounts) == true && principal.role?.may(.verifyIdentity) == true
        model["canSubmit"] = principal.role?.may(.submitRequests) == true
        model["channels"] = StaffIntake.channels.map(\.rawValue)
        switch outcome {
        case .done(let message): model["done"] = message
        case .refused(let message): model["refused"] = message
        case nil: break
        }
        model["notes"] = try await accounts.notes(RecordNoteQuery(accountID: id, limit: 50)).map {
            [
                "at": pages.times.text($0.at), "author": $0.author, "fields": $0.changedFields.joined(separator: ", "),
                "reason": $0.reason, "verification": $0.verification.map { $0.method.rawValue } ?? "none",
            ]
        }
        model["requests"] = try await requests.list(RequestQuery(accountID: id, limit: 50)).map {
            ["id": $0.id.rawValue, "kind": $0.kind.rawValue, "status": $0.status.rawValue, "due": $0.due.description]
        }
        let purposeNames = Dictionary(runtime.policies.purposes.map { ($0.id, $0.name) }) { first, _ in first }
        model["consents"] =
            try await accounts.consents(id)?.reversed().prefix(50).map {
                [
                    "at": pages.times.text($0.at), "purpose": purposeNames[$0.purpose] ?? $0.purpose,
                    "choice": $0.granted ? "given" : "withdrawn", "source": $0.source,
                ]
            } ?? []
        model["securityEvents"] = try await accounts.securityEventKinds(id).suffix(50).reversed().map {
            ["at": pages.times.text($0.at), "kind": $0.kind]
        }
        var bundles: [[String: Any]] = []
        for summary in try await requests.list(RequestQuery(accountID: id, kind: .export, limit: 20)) {
            guard let bundle = try await runtime.exporter().bundle(forRequest: summary.id) else { continue }
            bundles.append([
                "request": summary.id.rawValue, "created": pages.times.text(bundle.createdAt),
                "expires": pages.times.text(bundle.expiresAt), "downloadsLeft": bundle.downloadsLeft,
            ])
        }
        model["bundles"] = bundles
        model["hasBundles"] = !bundles.isEmpty
        model["hasConsents"] = (model["consents"] as? [[String: String]])?.isEmpty == false
        model["hasSecurityEvents"] = (model["securityEvents"] as? [[String: String]])?.isEmpty == false
        model["holds"] = try await runtime.evidence.activeHolds(id, at: runtime.clock.now()).map {
            [
                "id": $0.id, "reason": $0.reason,
                "categories": $0.categories.map(\.rawValue).sorted().joined(separator: ", "),
            ]
        }
        if let (field, value) = revealed { model["revealed"] = ["field": field, "value": value] }
        model["fields"] = ["email", "phone", "full-name", "date-of-birth", "address"]
        let status: HTTPResponse.Status
        if case .refused = outcome { status = .badRequest } else { status = .ok }
        return pages.render("account", model, status: status)
    }

    /// Reveals one field in full (needs `reveal-personal-data` and the form's CSRF token); the reason given
    /// is recorded in the audit trail before the value is shown.
    func reveal(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let account = try context.parameters.require("account")
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .revealPersonalData) else { return Pages.redirect("/login") }
        let id: AccountID
        do { id = try AccountID(account) } catch { throw Problem.badRequest("an account id is TR- and 5 digits") }
        let field = form["field"] ?? ""
        let value = try await runtime.accounts().reveal(
            id,
            field: field,
            reason: form["reason"] ?? "",
            by: principal.actorName
        )
        return try await accountPage(context, account: account, revealed: (field, value))
    }
}

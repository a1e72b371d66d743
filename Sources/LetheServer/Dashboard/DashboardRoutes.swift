import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// The officer dashboard: sign-in, the queue, a request with its actions, accounts, oversight
/// (holds, recipients, escalations), the load ahead, the evidence dossier and the CCPA report.
struct DashboardRoutes: PageRoutes {
    let dependencies: ServerDependencies

    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    func register(on router: Router<LetheRequestContext>) {
        router.get("/") { _, _ in Pages.redirect("/dashboard") }
        router.get("assets/style.css") { _, _ in pages.stylesheet() }
        router.get("login") { _, context in
            context.principal?.role != nil ? Pages.redirect("/dashboard") : pages.render("login", [String: Any]())
        }
        router.post("login") { request, context in try await signIn(request, context) }
        router.post("logout") { request, context in
            let form = try await Form(request, context: context)
            try context.checkCSRF(request, formToken: form["csrf"] ?? "")
            if let token = context.sessionToken { try await access.signOut(sessionToken: token) }
            return Pages.redirect("/login", cookies: [clearCookie(AuthenticationMiddleware.sessionCookie, path: "/")])
        }
        let dashboard = router.group("dashboard")
        dashboard.get { request, context in try await queue(request, context) }
        dashboard.get("requests/:id") { request, context in
            try await requestPage(context, id: context.parameters.require("id"))
        }
        dashboard.post("requests/:id/:action") { request, context in try await requestAction(request, context) }
        dashboard.get("requests/:id/dossier") { _, context in
            try await dossier(context, id: context.parameters.require("id"))
        }
        dashboard.get("accounts/:account") { _, context in
            try await accountPage(context, account: context.parameters.require("account"), revealed: nil)
        }
        dashboard.post("accounts/:account/reveal") { request, context in try await reveal(request, context) }
        dashboard.get("oversight") { _, context in try await oversight(context) }
        dashboard.post("holds") { request, context in try await placeHold(request, context) }
        dashboard.post("holds/:hold/release") { request, context in try await releaseHold(request, context) }
        dashboard.post("agents") { request, context in try await addAgent(request, context) }
        dashboard.post("agents/:agent/revoke") { request, context in try await revokeAgent(request, context) }
        dashboard.get("load") { _, context in try await load(context) }
        dashboard.get("reports") { request, context in try await report(request, context) }
        dashboard.get("reports/ccpa.csv") { request, context in try await reportCSV(request, context) }
    }

    // MARK: Session

    func clearCookie(_ name: String, path: String) -> String { sessionCookie(name, "", path: path, maxAge: 0) }

    func signIn(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        do {
            let session = try await access.signIn(
                username: form["username"] ?? "",
                password: form.values["password"]?.first ?? "",
                client: context.clientAddress
            )
            let lifetime = Int(session.expiresAt.timeIntervalSince(runtime.clock.now()))
            return Pages.redirect(
                "/dashboard",
                cookies: [
                    sessionCookie(AuthenticationMiddleware.sessionCookie, session.token, path: "/", maxAge: lifetime)
                ]
            )
        } catch let error as AccessError {
            let status: HTTPResponse.Status = error == .throttled ? .tooManyRequests : .unauthorized
            return pages.render(
                "login",
                ["error": error.description, "username": form["username"] ?? ""],
                status: status
            )
        }
    }

    /// The signed-in member of staff with `permission`; nil means "send them to the sign-in page".
    func staff(_ context: LetheRequestContext, _ permission: Permission) throws -> Principal? {
        guard let principal = context.principal, principal.role != nil else { return nil }
        return try Caller.check(principal, permission)
    }

    /// What every dashboard page shows: who is signed in, the CSRF token for its forms, the menu.
    func frame(_ context: LetheRequestContext, _ principal: Principal, title: String) -> [String: Any] {
        let role = principal.role ?? .auditor
        return [
            "title": title,
            "user": principal.actorName,
            "role": role.rawValue,
            "csrf": context.sessionToken.map(AccessService.csrfToken(forSession:)) ?? "",
            "canDecide": role.may(.decideRequests),
            "canVerify": role.may(.verifyIdentity),
            "canReveal": role.may(.revealPersonalData),
            "canHold": role.may(.manageHolds),
            "canManageAccess": role.may(.manageAccess),
            "canEvidence": role.may(.readEvidence),
            "today": today.description,
        ]
    }

    // MARK: Queue

    func queue(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let principal = try staff(context, .readRequests) else { return Pages.redirect("/login") }
        let q = request.uri.queryParameters
        var query = RequestQuery(limit: 500)
        let status = q["status"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let kind = q["kind"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let jurisdiction = q["jurisdiction"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let assignee = q["assignee"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let status {
            guard let parsed = RequestStatus(rawValue: status) else { throw Problem.badRequest("unknown status") }
            query.statuses = [parsed]
        } else {
            query.statuses = RequestQuery.open
        }
        if let kind {
            guard let parsed = RequestKind(rawValue: kind) else { throw Problem.badRequest("unknown kind") }
            query.kind = parsed
        }
        query.jurisdiction = jurisdiction
        query.assignee = assignee
        let rows = try await requests.list(query)
        let today = self.today
        let depth = try await runtime.oversight.queueDepth(today: today, dueSoonBy: Urgency.dueSoonBy(today))
        var model = frame(context, principal, title: "Queue")
        model["rows"] = rows.map { row -> [String: Any] in
            let urgency = APIHandler.urgency(status: row.status, due: row.due, today: today)
            return [
                "id": row.id.rawValue, "kind": row.kind.rawValue, "status": row.status.rawValue,
                "jurisdiction": row.jurisdiction, "account": row.accountID?.description ?? "unmatched",
                "due": row.due.description, "assignee": row.assignee ?? "", "urgency": urgency.rawValue,
                "overdue": urgency == .overdue, "dueSoon": urgency == .dueSoon,
                "daysLeft": today.days(until: row.due),
            ]
        }
        model["empty"] = rows.isEmpty
        model["count"] = rows.count
        model["overdueCount"] = depth.overdue
        model["dueSoonCount"] = depth.dueSoon
        model["kinds"] = RequestKind.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == kind] }
        model["statuses"] = RequestStatus.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == status] }
        model["jurisdictions"] = runtime.policies.jurisdictions.keys.sorted().map {
            ["value": $0, "selected": $0 == jurisdiction]
        }
        model["assignee"] = assignee ?? ""
        return pages.render("queue", model)
    }

    // MARK: One request

    func requestPage(
        _ context: LetheRequestContext,
        id: String,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let principal = try staff(context, .readRequests) else { return Pages.redirect("/login") }
        let dossier = try await requests.dossier(RequestID(id))
        var model = frame(context, principal, title: "Request \(id)")
        model.merge(RequestViews.detail(dossier, today: today)) { _, new in new }
        if let error { model["error"] = error }
        model["bases"] = DenialReason.allCases.map(\.rawValue)
        // Only the reasons this law allows for this clock, with the citation that allows them.
        let pauseRule = runtime.policies.jurisdictions[dossier.stored.request.jurisdictionID]?
            .rules[dossier.stored.request.deadlineKind]?.pause
        let reasons = PauseReason.allCases.filter { pauseRule?.reasons.contains($0) == true }
        model["pauseReasons"] = reasons.map(\.rawValue)
        model["canPause"] = !reasons.isEmpty
        if let pauseRule { model["pauseCitation"] = pauseRule.citation }
        let open = !dossier.stored.request.status.isTerminal
        model["open"] = open
        model["awaitingVerification"] = dossier.stored.request.status == .awaitingVerification
        // Exactly the actions the lifecycle allows now (RequestStatus.allowedNext), and one extension at most.
        let current = dossier.stored.request.status
        let next = current.allowedNext
        model["canApprove"] = next.contains(.inProgress) && current != .inProgress
        model["canExtend"] = next.contains(.extended) && dossier.stored.extensionNotice == nil
        model["canDeny"] = next.contains(.denied)
        model["canComplete"] = next.contains(.completed)
        model["canCancel"] = next.contains(.cancelled)
        model["paused"] = dossier.stored.pauses.last.map { $0.to == nil } ?? false
        return pages.render("request", model, status: status)
    }

    func requestAction(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let action = try context.parameters.require("action")
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        let needed: Permission = action == "verify" ? .verifyIdentity : .decideRequests
        guard let principal = try staff(context, needed) else { return Pages.redirect("/login") }
        let requestID = RequestID(id)
        let officer = principal.actorName
        do {
            switch action {
            case "verify":
                guard let code = form["code"] else { throw Problem.badRequest("enter the customer's code") }
                guard try await requests.verifyCode(requestID, code: code) else {
                    throw Problem.badRequest("the code is wrong")
                }
            case "approve": try await requests.approve(requestID, by: officer)
            case "deny":
                guard let basis = form["basis"].flatMap(DenialReason.init(rawValue:)) else {
                    throw Problem.badRequest("choose a basis for the denial")
                }
                try await requests.deny(requestID, basis: basis, reason: form["reason"] ?? "", by: .staff(officer))
            case "extend": try await requests.extend(requestID, reason: form["reason"] ?? "", by: officer)
            case "pause":
                guard let reason = form["reason"].flatMap(PauseReason.init(rawValue:)) else {
                    throw Problem.badRequest("choose why the clock stops")
                }
                try await requests.pause(requestID, reason: reason, by: officer)
            case "resume": try await requests.resume(requestID, by: officer)
            case "cancel": try await requests.cancel(requestID, reason: form["reason"] ?? "", by: .staff(officer))
            case "complete":
                try await requests.complete(requestID, by: .staff(officer), summary: form["summary"] ?? "")
            case "assign":
                guard let assignee = form["assignee"] else { throw Problem.badRequest("name the assignee") }
                try await requests.assign(requestID, to: assignee, by: officer)
            default:
                throw Problem.notFound("no action '\(action)'")
            }
        } catch {
            let problem = ProblemMiddleware.problem(for: error)
            // A refusal the officer can act on is shown on the request page; anything else is an error page.
            guard problem.status < 500 else { throw error }
            return try await requestPage(
                context,
                id: id,
                error: problem.detail ?? problem.title,
                status: .init(code: problem.status)
            )
        }
        outbox.nudge()
        return Pages.redirect("/dashboard/requests/\(id)")
    }

    func dossier(_ context: LetheRequestContext, id: String) async throws -> Response {
        guard let principal = try staff(context, .readEvidence) else { return Pages.redirect("/login") }
        let requestID = RequestID(id)
        let dossier = try await requests.dossier(requestID)
        var model = frame(context, principal, title: "Evidence dossier \(id)")
        model.merge(RequestViews.detail(dossier, today: today)) { _, new in new }
        model["generatedAt"] = ISO8601DateFormatter().string(from: runtime.clock.now())
        model["recipients"] = try await runtime.evidence.recipients(of: requestID).map {
            [
                "recipient": $0.recipientID, "action": $0.action, "status": $0.status.rawValue,
                "note": $0.note ?? "",
            ]
        }
        if let receipt = try await runtime.evidence.deletionReceipt(requestID) {
            model["receipt"] = RequestViews.receipt(receipt)
        }
        model["audit"] = try await runtime.evidence.auditEntries(subjectType: "request", subjectID: id).map {
            ["seq": $0.seq, "at": RequestViews.iso($0.event.at), "actor": $0.event.actor, "action": $0.event.action]
        }
        model["auditIntact"] = try await runtime.evidence.verifyAuditTrail().isIntact
        return pages.render("dossier", model)
    }

    // MARK: Accounts

    func accountPage(
        _ context: LetheRequestContext,
        account: String,
        revealed: (String, String)?
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
        model["addresses"] = masked.addresses
        model["payments"] = masked.paymentMethods
        model["notes"] = try await accounts.notes(RecordNoteQuery(accountID: id, limit: 50)).map {
            [
                "at": RequestViews.iso($0.at), "author": $0.author, "fields": $0.changedFields.joined(separator: ", "),
                "reason": $0.reason, "verification": $0.verification.map { $0.method.rawValue } ?? "none",
            ]
        }
        model["requests"] = try await requests.list(RequestQuery(accountID: id, limit: 50)).map {
            ["id": $0.id.rawValue, "kind": $0.kind.rawValue, "status": $0.status.rawValue, "due": $0.due.description]
        }
        model["holds"] = try await runtime.evidence.activeHolds(id, at: runtime.clock.now()).map {
            [
                "id": $0.id, "reason": $0.reason,
                "categories": $0.categories.map(\.rawValue).sorted().joined(separator: ", "),
            ]
        }
        if let (field, value) = revealed { model["revealed"] = ["field": field, "value": value] }
        model["fields"] = ["email", "phone", "full-name", "date-of-birth", "address"]
        return pages.render("account", model)
    }

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

    // MARK: Oversight

    func oversight(_ context: LetheRequestContext, error: String? = nil) async throws -> Response {
        guard let principal = try staff(context, .readEvidence) else { return Pages.redirect("/login") }
        var model = frame(context, principal, title: "Holds, recipients, escalations")
        model["holds"] = try await runtime.evidence.holds().map {
            [
                "id": $0.id, "account": $0.accountID.description, "reason": $0.reason, "owner": $0.owner,
                "placedAt": RequestViews.iso($0.placedAt),
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
                "at": RequestViews.iso($0.at), "by": $0.requestedBy,
            ]
        }
        model["agents"] = try await runtime.administration.agents().map {
            [
                "id": $0.id, "name": $0.name, "accepts": $0.assurance.stored, "active": $0.revokedAt == nil,
                "callbackHosts": $0.callbackHosts.joined(separator: " "), "addedAt": RequestViews.iso($0.addedAt),
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

    func releaseHold(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let hold = try context.parameters.require("hold")
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .manageHolds) else { return Pages.redirect("/login") }
        guard try await runtime.holds().release(hold, by: principal.actorName)
        else { throw Problem.notFound("no hold \(hold) in force") }
        return Pages.redirect("/dashboard/oversight")
    }

    // MARK: Load and reports

    func load(_ context: LetheRequestContext) async throws -> Response {
        guard let principal = try staff(context, .readRequests) else { return Pages.redirect("/login") }
        // Counted in the database per day and per month, however long the queue.
        let today = self.today
        let due = try await runtime.oversight.openRequestsByDueDate(through: today.adding(days: 59))
        let firstMonth = LocalDate(year: today.year, month: today.month, day: 1)?.adding(months: -11) ?? today
        let monthly = try await runtime.oversight.requestsByMonth(
            since: Date(timeIntervalSince1970: Double(firstMonth.daysSinceEpoch) * 86_400)
        )
        var model = frame(context, principal, title: "The load ahead")
        model["deadlineChart"] = LoadChart.deadlines(due, today: today, days: 60)
        model["monthlyChart"] = LoadChart.monthly(monthly, today: today, months: 12)
        return pages.render("load", model)
    }

    func reportYear(_ request: Request) throws -> Int {
        let thisYear = today.year
        guard let text = request.uri.queryParameters["year"] else { return thisYear - 1 }
        guard let year = Int(String(text)), (2000...2200).contains(year) else {
            throw Problem.badRequest("year is a calendar year, e.g. \(thisYear - 1)")
        }
        return year
    }

    func report(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let principal = try staff(context, .readEvidence) else { return Pages.redirect("/login") }
        let year = try reportYear(request)
        let metrics = try await runtime.oversight.ccpaMetrics(year: year)
        var model = frame(context, principal, title: "CCPA metrics \(year)")
        model["year"] = year
        model["citation"] = CCPAMetrics.citation
        model["rows"] = metrics.rows.map {
            [
                "kind": $0.kind.rawValue, "received": $0.received, "complied": $0.compliedInWholeOrInPart,
                "denied": $0.denied, "open": $0.open,
                "median": $0.medianDaysToRespond.map { String(format: "%.1f", $0) } ?? "–",
                "bases": $0.deniedByBasis.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                    .joined(separator: ", "),
            ]
        }
        model["empty"] = metrics.rows.isEmpty
        return pages.render("report", model)
    }

    func reportCSV(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard try staff(context, .readEvidence) != nil else { return Pages.redirect("/login") }
        let year = try reportYear(request)
        let metrics = try await runtime.oversight.ccpaMetrics(year: year)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"ccpa-metrics-\(year).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: metrics.csv))
        )
    }
}

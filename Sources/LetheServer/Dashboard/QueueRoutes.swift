import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// The queue, one request with the actions its lifecycle allows, and its evidence dossier.
struct QueueRoutes: DashboardController {
    /// The server's shared services and settings.
    let dependencies: ServerDependencies

    /// The queue pages over the server's dependencies.
    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    /// Adds `GET /dashboard`, `GET /dashboard/requests/:id`, its dossier, and `POST …/:action` for the
    /// officer actions.
    func register(on router: Router<LetheRequestContext>) {
        let dashboard = router.group("dashboard")
        dashboard.get { request, context in try await queue(request, context) }
        dashboard.get("requests/:id") { _, context in
            try await requestPage(context, id: context.parameters.require("id"))
        }
        dashboard.post("requests/:id/:action") { request, context in try await requestAction(request, context) }
        dashboard.get("requests/:id/dossier") { _, context in
            try await dossier(context, id: context.parameters.require("id"))
        }
    }

    /// The queue page (needs `read-requests`): open requests by due date, filtered by status, kind,
    /// jurisdiction or assignee, with the overdue and due-soon counts.
    func queue(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let principal = try staff(context, .readRequests) else { return Pages.redirect("/login") }
        let q = request.uri.queryParameters
        var query = RequestQuery(limit: Self.pageSize + 1)
        let page = max(1, q["page"].flatMap { Int(String($0)) } ?? 1)
        query.offset = (page - 1) * Self.pageSize
        let sort = q["sort"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let sort {
            guard let order = RequestOrder(rawValue: sort) else { throw Problem.badRequest("unknown sort") }
            query.order = order
        }
        // One box finds a request by its id, or an account's requests by account id or email.
        let search = (q["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        var searchNote: String?
        if !search.isEmpty {
            if search.hasPrefix("R-") {
                if search.count < 40, try await requests.request(RequestID(search)) != nil {
                    return Pages.redirect("/dashboard/requests/\(search)")
                }
                searchNote = "No request has the id \(search)."
                query.accountID = nil
            } else if let account = try? AccountID(search.uppercased()) {
                query.accountID = account
                searchNote = "Requests of account \(account)."
            } else if let account = try await runtime.accounts().find(email: search) {
                query.accountID = account
                searchNote = "Requests of account \(account), the account with that email."
            } else {
                searchNote = "No account has that email."
            }
        }
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
        var rows: [RequestSummary] = []
        // A search that found nothing lists nothing, rather than everything.
        if search.isEmpty || query.accountID != nil { rows = try await requests.list(query) }
        let hasNext = rows.count > Self.pageSize
        rows = Array(rows.prefix(Self.pageSize))
        let today = self.today
        let depth = try await runtime.oversight.queueDepth(today: today, dueSoonBy: Urgency.dueSoonBy(today))
        var model = frame(context, principal, title: "Queue")
        model["rows"] = rows.map { row -> [String: Any] in
            let urgency = Urgency(status: row.status, due: row.due, today: today)
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
        model["search"] = search
        if let searchNote { model["searchNote"] = searchNote }
        model["sorts"] = RequestOrder.allCases.map { order -> [String: Any] in
            [
                "value": order.rawValue, "label": Self.sortLabels[order] ?? order.rawValue,
                "selected": order == query.order,
            ]
        }
        // The filters again, so the page links keep them.
        var kept: [URLQueryItem] = []
        for (name, value) in [
            ("q", search), ("kind", kind ?? ""), ("status", status ?? ""), ("jurisdiction", jurisdiction ?? ""),
            ("assignee", assignee ?? ""), ("sort", sort ?? ""),
        ] where !value.isEmpty {
            kept.append(URLQueryItem(name: name, value: value))
        }
        func link(_ page: Int) -> String {
            var components = URLComponents()
            components.path = "/dashboard"
            components.queryItems = kept + [URLQueryItem(name: "page", value: String(page))]
            return components.string ?? "/dashboard"
        }
        model["page"] = page
        model["firstShown"] = rows.isEmpty ? 0 : query.offset + 1
        model["lastShown"] = query.offset + rows.count
        if page > 1 { model["previousPage"] = link(page - 1) }
        if hasNext { model["nextPage"] = link(page + 1) }
        return pages.render("queue", model)
    }

    /// Requests per queue page.
    static let pageSize = 100

    /// The sort choices in an officer's words.
    static let sortLabels: [RequestOrder: String] = [
        .mostUrgent: "most urgent first", .leastUrgent: "least urgent first", .newest: "newest first",
        .oldest: "waiting longest first",
    ]

    // MARK: One request

    /// One request (needs `read-requests`) with its deadlines, timeline and exactly the actions its status
    /// allows now; `error` and `status` show why the last action was refused.
    func requestPage(
        _ context: LetheRequestContext,
        id: String,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let principal = try staff(context, .readRequests) else { return Pages.redirect("/login") }
        let dossier = try await requests.dossier(RequestID(id))
        var model = frame(context, principal, title: "Request \(id)")
        model.merge(RequestViews.detail(dossier, today: today, times: pages.times)) { _, new in new }
        if let error { model["error"] = error }
        model["bases"] = DenialReason.allCases.map(\.rawValue)
        // Only the reasons this law allows for this clock, with the citation that allows them.
        let pauseRule = runtime.policies.jurisdictions[dossier.stored.request.jurisdictionID]?
            .rule(dossier.stored.request.deadlineKind, on: dossier.stored.schedule.receiptDate)?.pause
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
        // A refusal the customer's law lets them appeal, not appealed yet: staff may record an appeal made
        // by phone, email or in person.
        if dossier.appeal == nil, let rule = requests.appealRule(for: dossier.stored) {
            model["appealable"] = true
            model["appealPeriod"] = rule.response.period.description
            model["appealCitation"] = rule.response.citation
            model["channels"] = StaffIntake.channels.map(\.rawValue)
        }
        model["canSubmit"] = principal.role?.may(.submitRequests) == true
        return pages.render("request", model, status: status)
    }

    /// Carries out one officer action from the request page (verify needs `verify-identity`, the others
    /// `decide-requests`, all the CSRF token); a refusal is shown on the page, success redirects back.
    func requestAction(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let action = try context.parameters.require("action")
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        let needed: Permission
        switch action {
        case "verify": needed = .verifyIdentity
        case "appeal": needed = .submitRequests
        default: needed = .decideRequests
        }
        guard let principal = try staff(context, needed) else { return Pages.redirect("/login") }
        let requestID = RequestID(id)
        let officer = principal.actorName
        var next = id
        do {
            switch action {
            case "appeal":
                let receipt = try await requests.submit(
                    RequestSubmission(
                        kind: .appeal,
                        channel: try StaffIntake.channel(form["channel"]),
                        appealOf: requestID,
                        grounds: form["grounds"],
                        submittedBy: .staff(officer)
                    )
                )
                next = receipt.outcome.requestID.rawValue
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
        return Pages.redirect("/dashboard/requests/\(next)")
    }

    /// The evidence dossier of a request (needs `read-evidence`): timeline, recipients told, the deletion
    /// receipt and the request's audit entries, with whether the audit chain verifies, for an auditor or a
    /// regulator.
    func dossier(_ context: LetheRequestContext, id: String) async throws -> Response {
        guard let principal = try staff(context, .readEvidence) else { return Pages.redirect("/login") }
        let requestID = RequestID(id)
        let dossier = try await requests.dossier(requestID)
        var model = frame(context, principal, title: "Evidence dossier \(id)")
        model.merge(RequestViews.detail(dossier, today: today, times: pages.times)) { _, new in new }
        model["generatedAt"] = ISO8601DateFormatter().string(from: runtime.clock.now())
        model["recipients"] = try await runtime.evidence.recipients(of: requestID).map {
            [
                "recipient": $0.recipientID, "action": $0.action, "status": $0.status.rawValue,
                "note": $0.note ?? "",
            ]
        }
        var entries = try await runtime.evidence.auditEntries(subjectType: "request", subjectID: id)
        if let receipt = try await runtime.evidence.deletionReceipt(requestID) {
            model["receipt"] = RequestViews.receipt(receipt, times: pages.times)
            // The erasure itself is filed under the account; an account is erased once, so its entry is
            // this request's evidence too.
            entries += try await runtime.evidence.auditEntries(subjectType: "account", subjectID: receipt.accountID)
                .filter { $0.event.action == "account.erased" }
        }
        model["audit"] = entries.sorted { $0.seq < $1.seq }.map {
            ["seq": $0.seq, "at": pages.times.text($0.event.at), "actor": $0.event.actor, "action": $0.event.action]
        }
        // A request answered after its binding deadline says so, in days, as an open overdue one does.
        let request = dossier.stored.request
        if request.status.isTerminal, let closed = request.events.last?.at {
            let late = dossier.stored.schedule.binding.due.days(
                until: LocalDate(instant: closed, in: TimeZone(identifier: "UTC") ?? .current)
            )
            if late > 0 { model["answeredLate"] = late }
        }
        model["auditIntact"] = try await runtime.evidence.firstBrokenAuditEntry() == nil
        return pages.render("dossier", model)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import LetheCore
import LetheEngine
import Logging

/// The customer privacy center: make a request (each kind), verify it with the emailed code, follow it,
/// cancel it, manage consents (a Global Privacy Control signal is honoured as an opt-out), and download
/// an export while its link is valid. A customer sees their own account and requests only.
struct PrivacyCenterRoutes: PageRoutes {
    /// The server's shared services and settings.
    let dependencies: ServerDependencies

    /// The regions a signed-out requester chooses from, by name: the policies are fixed for the
    /// server's life, so they are listed once, not on every page.
    let regions: [[String: String]]

    /// The privacy center over the server's dependencies.
    init(_ dependencies: ServerDependencies) {
        self.dependencies = dependencies
        regions = dependencies.runtime.policies.jurisdictions.values.sorted { $0.name < $1.name }.map {
            ["id": $0.id, "name": $0.name]
        }
    }

    /// The only path the customer's cookie is sent to, so it never reaches the dashboard or the API.
    static let cookiePath = "/privacy"

    /// Adds every `/privacy` route: the home page, requests and their verification, sign-in by code, the
    /// account page, consents, cancellation and downloads.
    func register(on router: Router<LetheRequestContext>) {
        let center = router.group("privacy")
        center.get { request, context in
            if case .customer = context.principal { return Pages.redirect("/privacy/account") }
            return pages.render("privacy-home", frame(context, request, title: "Your privacy"))
        }
        center.post("requests") { request, context in try await submit(request, context) }
        center.get("requests/:id/verify") { request, context in
            var model = frame(context, request, title: "Confirm it is you")
            model["id"] = try context.parameters.require("id")
            return pages.render("privacy-verify", model)
        }
        center.post("requests/:id/verify") { request, context in try await verify(request, context) }
        center.post("code") { request, context in try await sendCode(request, context) }
        center.post("sign-in") { request, context in try await signIn(request, context) }
        center.post("sign-out") { request, context in
            let form = try await Form(request, context: context)
            try context.checkCSRF(request, formToken: form["csrf"] ?? "")
            if let token = context.sessionToken { try await access.signOut(sessionToken: token) }
            return Pages.redirect(
                "/privacy",
                cookies: [cookie("", maxAge: 0)]
            )
        }
        center.get("account") { request, context in try await account(request, context) }
        center.get("requests/:id") { request, context in try await status(request, context) }
        center.post("requests/:id/cancel") { request, context in try await cancel(request, context) }
        center.post("requests/:id/appeal") { request, context in try await appeal(request, context) }
        center.post("consents") { request, context in try await consents(request, context) }
        center.get("bundles/:bundle") { request, context in try await download(request, context) }
        registerReactivation(on: center)
        registerDetails(on: center)
    }

    // MARK: Helpers

    /// The customer's session cookie (`HttpOnly`, `SameSite=Strict`, `/privacy` only); an empty value with
    /// `maxAge` 0 deletes it.
    func cookie(_ value: String, maxAge: Int) -> String {
        sessionCookie(AuthenticationMiddleware.customerCookie, value, path: Self.cookiePath, maxAge: maxAge)
    }

    /// What every privacy-center page shows: the request kinds in plain words, whether the browser sends a
    /// Global Privacy Control signal, and, when signed in, the account and the CSRF token.
    func frame(_ context: LetheRequestContext, _ request: Request, title: String) -> [String: Any] {
        var model: [String: Any] = [
            "title": title,
            "kinds": [
                ["value": "export", "label": "Get a copy of my data (access and portability)"],
                ["value": "deletion", "label": "Delete my account and data"],
                ["value": "deactivation", "label": "Deactivate my account"],
                ["value": "consent-change", "label": "Stop selling or sharing my data (opt out)"],
                ["value": Self.limitSensitiveUse, "label": "Limit the use of my sensitive personal information"],
            ],
            "correctable": [
                ["value": CorrectableField.fullName.rawValue, "label": "My name"],
                ["value": CorrectableField.email.rawValue, "label": "My email address"],
                ["value": CorrectableField.phone.rawValue, "label": "My phone number"],
            ],
            "gpc": request.headers[named: "Sec-GPC"] == "1",
            // Asked of everyone who is not signed in, so the answer never depends on whether the email
            // belongs to a customer (the law is the requester's, whoever they are).
            "regions": regions,
        ]
        if case .customer(let id) = context.principal {
            model["signedIn"] = true
            model["accountID"] = id.description
            model["csrf"] = context.sessionToken.map(AccessService.csrfToken(forSession:)) ?? ""
        }
        return model
    }

    /// The signed-in customer's account, or nil for a visitor (or a member of staff, who is no customer here).
    func customer(_ context: LetheRequestContext) -> AccountID? {
        if case .customer(let id) = context.principal { return id }
        return nil
    }

    /// A request the signed-in customer owns; anyone else's is "not found", so ids cannot be probed.
    func ownRequest(_ context: LetheRequestContext, _ text: String) async throws -> StoredRequest {
        guard let id = customer(context) else { throw Problem.unauthenticated }
        guard text.hasPrefix("R-"), text.count < 40, let stored = try await requests.request(RequestID(text)),
            stored.request.accountID == id
        else { throw Problem.notFound("no request \(text) on your account") }
        return stored
    }

    // MARK: Requests

    /// Takes a request from the form (signed in, or by email), sends the code to the registered address
    /// and shows the verification page, or the request's page when no verification is needed.
    func submit(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        let signedIn = customer(context)
        if signedIn != nil { try context.checkCSRF(request, formToken: form["csrf"] ?? "") }
        // Limiting the use of sensitive data is a consent change withdrawing the purposes with that clock.
        let limiting = form["kind"] == Self.limitSensitiveUse
        guard let kind = limiting ? .consentChange : form["kind"].flatMap(RequestKind.init(rawValue:)) else {
            return pages.render(
                "privacy-home",
                frame(context, request, title: "Your privacy").merging(["error": "choose what you want us to do"]) {
                    $1
                },
                status: .badRequest
            )
        }
        let email = form["email"]
        let region = form["jurisdiction"].flatMap { $0.isEmpty ? nil : $0 }
        guard signedIn != nil || (email != nil && region != nil) else {
            var model = frame(context, request, title: "Your privacy")
            model["error"] =
                email == nil ? "enter the email address of your account" : "choose where you live"
            return pages.render("privacy-home", model, status: .badRequest)
        }
        var correction: Correction?
        if kind == .correction {
            guard let asked = Self.correction(form) else {
                var model = frame(context, request, title: "Your privacy")
                model["error"] = "say which detail is wrong and what it should be"
                return pages.render("privacy-home", model, status: .badRequest)
            }
            correction = asked
        }
        let submission = RequestSubmission(
            kind: kind,
            deadlineKind: kind == .consentChange && !limiting ? .optOutOfSale : nil,
            accountID: signedIn,
            email: signedIn == nil ? email : nil,
            channel: .web,
            jurisdiction: signedIn == nil ? region : nil,
            consentChanges: limiting ? limitChanges() : kind == .consentChange ? optOutChanges() : [:],
            correction: correction,
            submittedBy: .customer
        )
        let receipt: IntakeReceipt
        do {
            receipt = try await requests.submit(submission)
        } catch let error as RequestError {
            var model = frame(context, request, title: "Your privacy")
            // Never whether the email belongs to a customer: the same refusals reach everyone.
            model["error"] = error.description
            return pages.render("privacy-home", model, status: .badRequest)
        }
        outbox.nudge()
        let id = receipt.outcome.requestID.rawValue
        if receipt.status == .awaitingVerification { return Pages.redirect("/privacy/requests/\(id)/verify") }
        if signedIn != nil { return Pages.redirect("/privacy/requests/\(id)") }
        var model = frame(context, request, title: "Request received")
        model["id"] = id
        model["due"] = receipt.schedule.binding.due.description
        return pages.render("privacy-received", model)
    }

    /// The correction the form asks for: name, email or phone and the value it should be, with the
    /// customer's optional statement. The engine checks the value itself.
    static func correction(_ form: Form) -> Correction? {
        guard let text = form["value"].flatMap({ $0.isEmpty ? nil : $0 }),
            let field = form["field"].flatMap(CorrectableField.init(rawValue:)),
            let value = Correction.Value(field, text: text)
        else { return nil }
        return Correction(value, statement: form["statement"])
    }

    /// The form's value for a request to limit the use of sensitive personal information.
    static let limitSensitiveUse = "limit-sensitive-use"

    /// The purposes whose withdrawal limits the use of sensitive personal information, all withdrawn.
    func limitChanges() -> [String: Bool] {
        Dictionary(
            uniqueKeysWithValues: runtime.policies.purposes.filter { $0.withdrawalClock == .limitSensitiveUse }.map {
                ($0.id, false)
            }
        )
    }

    /// The opt-out purposes (those a Global Privacy Control signal withdraws), all withdrawn.
    func optOutChanges() -> [String: Bool] {
        Dictionary(
            uniqueKeysWithValues: runtime.policies.purposes.filter(\.withdrawnByOptOutSignal).map { ($0.id, false) }
        )
    }

    /// Checks the emailed code; the right code verifies the request and, as it proves control of the
    /// account's email, signs the customer in (unless the account is deactivated).
    func verify(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let text = try context.parameters.require("id")
        let form = try await Form(request, context: context)
        if customer(context) != nil { try context.checkCSRF(request, formToken: form["csrf"] ?? "") }
        var model = frame(context, request, title: "Confirm it is you")
        model["id"] = text
        guard text.hasPrefix("R-"), text.count < 40 else { throw Problem.notFound("no request \(text)") }
        let id = RequestID(text)
        do {
            guard try await requests.verifyCode(id, code: form["code"] ?? "") else {
                model["error"] = "that code is not right; check the latest email from us"
                return pages.render("privacy-verify", model, status: .unprocessableContent)
            }
        } catch let error as RequestError {
            model["error"] = error.description
            return pages.render("privacy-verify", model, status: .unprocessableContent)
        }
        outbox.nudge()
        // The right code proves control of the account's email, which is what signing in proves too.
        guard let stored = try await requests.request(id), let account = stored.request.accountID else {
            model["verified"] = true
            return pages.render("privacy-received", model)
        }
        let session: IssuedSession
        do {
            session = try await access.openCustomerSession(account)
        } catch AccessError.accountDeactivated {
            // The request is verified and goes ahead; a deactivated account just gets no session.
            model["verified"] = true
            model["deactivated"] = true
            return pages.render("privacy-received", model)
        }
        let lifetime = Int(session.expiresAt.timeIntervalSince(runtime.clock.now()))
        return Pages.redirect("/privacy/requests/\(text)", cookies: [cookie(session.token, maxAge: lifetime)])
    }

    /// The signed-in customer's own request: where it stands, its deadline and law, the reason for a refusal
    /// with where to complain, and the download while the link is valid.
    func status(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard customer(context) != nil else { return Pages.redirect("/privacy") }
        let stored = try await ownRequest(context, try context.parameters.require("id"))
        var model = frame(context, request, title: "Request \(stored.request.id)")
        model["request"] = requestModel(stored)
        try await addAppeal(to: &model, stored)
        if let bundle = try await runtime.exporter().bundle(forRequest: stored.request.id),
            bundle.expiresAt > runtime.clock.now(), bundle.downloadsLeft > 0
        {
            model["bundle"] = [
                "id": bundle.id, "expires": pages.times.text(bundle.expiresAt), "left": bundle.downloadsLeft,
            ]
        }
        return pages.render("privacy-request", model)
    }

    /// The values the request page shows, in the customer's words.
    func requestModel(_ stored: StoredRequest) -> [String: Any] {
        let request = stored.request
        var model: [String: Any] = [
            "id": request.id.rawValue,
            "kind": request.kind.rawValue,
            "status": request.status.rawValue,
            "statusLabel": Self.statusLabel(request.status),
            "received": pages.times.text(request.receivedAt),
            "due": stored.schedule.binding.due.description,
            "law": stored.schedule.jurisdictionName,
            "citation": stored.schedule.binding.citation,
            "open": !request.status.isTerminal,
            "awaitingVerification": request.status == .awaitingVerification,
            "appealOf": stored.appealOf?.rawValue ?? "",
        ]
        // A refusal is explained here too, with the route to complain, not only in the mail.
        if request.status == .denied, let denial = request.events.last(where: { $0.to == .denied }) {
            let authority = runtime.policies.jurisdictions[request.jurisdictionID]?.authority
            model["denied"] = [
                "basis": denial.denialReason?.plainWords ?? "the reason below",
                "reason": denial.reason ?? "",
                "authority": authority?.name ?? "the supervisory authority",
                "authorityURL": authority?.url ?? "",
            ]
        }
        return model
    }

    /// Where a request stands, in the customer's words.
    static func statusLabel(_ status: RequestStatus) -> String {
        switch status {
        case .received: return "Received"
        case .awaitingVerification: return "Waiting for you to confirm it is you"
        case .verified: return "Confirmed; we are on it"
        case .inProgress: return "In progress"
        case .extended: return "Extended (we told you why)"
        case .completed: return "Done"
        case .denied: return "Refused"
        case .cancelled: return "Cancelled"
        }
    }

    /// Cancels the customer's own request (needs the CSRF token); a deletion in its grace period is called off.
    func cancel(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        let stored = try await ownRequest(context, try context.parameters.require("id"))
        try await requests.cancel(
            stored.request.id,
            reason: "cancelled by the customer in the privacy center",
            by: .customer
        )
        outbox.nudge()
        return Pages.redirect("/privacy/requests/\(stored.request.id)")
    }

    // MARK: Signing in

    /// Answers "check your email" at once and sends a sign-in code in the background if the email has an
    /// account, so neither the answer nor its timing says who is a customer.
    func sendCode(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        let email = form["email"] ?? ""
        // Answer first, then look the email up and send the code: the answer does the same work, and so
        // takes the same time, whether or not the email has an account, so timing cannot tell who is a
        // customer. Nothing is acknowledged that could be lost: the page promises a code only if the
        // address has an account, and a customer who gets none asks again.
        let access = self.access
        let outbox = self.outbox
        let logger = context.logger
        Task {
            do {
                try await access.sendCustomerCode(email: email)
                outbox.nudge()
            } catch {
                logger.error("sign-in code failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
        }
        var model = frame(context, request, title: "Check your email")
        model["email"] = email
        return pages.render("privacy-code", model)
    }

    /// Opens a privacy-center session for the right code; a deactivated account is told what it can still do.
    func signIn(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        let email = form["email"] ?? ""
        do {
            let session = try await access.signInCustomer(email: email, code: form["code"] ?? "")
            let lifetime = Int(session.expiresAt.timeIntervalSince(runtime.clock.now()))
            return Pages.redirect("/privacy/account", cookies: [cookie(session.token, maxAge: lifetime)])
        } catch AccessError.accountDeactivated {
            // The right code for a deactivated account: no session, but the rights it keeps are offered.
            var model = frame(context, request, title: "Your account is deactivated")
            model["email"] = email
            model["deactivated"] = true
            return pages.render("privacy-code", model, status: .forbidden)
        } catch let error as AccessError {
            var model = frame(context, request, title: "Check your email")
            model["email"] = email
            model["error"] = error.description
            return pages.render("privacy-code", model, status: .unauthorized)
        }
    }

    // MARK: Account, consents, downloads

    /// The customer's account page: their requests and current consents; a Global Privacy Control signal is
    /// recorded as an opt-out of sale and sharing, at most once a day.
    func account(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        try await accountPage(request, context, error: nil, status: .ok)
    }

    /// The account page, with `error` when a change the customer just tried was refused.
    func accountPage(
        _ request: Request,
        _ context: LetheRequestContext,
        error: String?,
        status: HTTPResponse.Status
    ) async throws -> Response {
        guard let id = customer(context) else { return Pages.redirect("/privacy") }
        var model = frame(context, request, title: "Your account")
        let query = request.uri.queryParameters
        model["reactivated"] = query["reactivated"] != nil
        model["changed"] = query["changed"] != nil
        model["held"] = query["held"] != nil
        if let error { model["error"] = error }
        let details = try await runtime.accounts().view(id)
        model["addresses"] = details.addressEntries.map { ["row": $0.id, "text": $0.text] }
        model["noAddresses"] = details.addressEntries.isEmpty
        model["cards"] = details.paymentMethodEntries.map { ["row": $0.id, "text": $0.text] }
        model["noCards"] = details.paymentMethodEntries.isEmpty
        // A Global Privacy Control signal is an opt-out of sale and sharing where the customer's law says
        // so; the page says whether it was honoured (11 CCR §7025(c)(6)), and under which rule.
        if model["gpc"] as? Bool == true {
            switch try await requests.honourOptOutSignal(from: id) {
            case .honoured(_, let law, let citation), .alreadyOptedOut(let law, let citation):
                model["gpcHonoured"] = ["law": law, "citation": citation]
            case .notRequired(let law):
                model["gpcNotRequired"] = ["law": law]
            }
        }
        // One query for the list; the law and citation are on each request's own page.
        let rows = try await requests.list(RequestQuery(accountID: id, limit: 100)).map { summary -> [String: Any] in
            [
                "id": summary.id.rawValue, "kind": summary.kind.rawValue, "status": summary.status.rawValue,
                "statusLabel": Self.statusLabel(summary.status), "due": summary.due.description,
            ]
        }
        model["requests"] = rows
        model["noRequests"] = rows.isEmpty
        var current: [String: Bool] = [:]
        for entry in try await runtime.accounts().consents(id) ?? [] {
            current[entry.purpose] = entry.granted
        }
        model["purposes"] = runtime.policies.purposes.map {
            ["id": $0.id, "name": $0.name, "granted": current[$0.id] ?? false, "basis": $0.basis]
        }
        return pages.render("privacy-account", model, status: status)
    }

    /// Turns the consent form into one consent-change request for the purposes that changed (needs the CSRF
    /// token); a change that needs verification goes to the code page.
    func consents(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let id = customer(context) else { throw Problem.unauthenticated }
        let given = Set(form.values["granted"] ?? [])
        var current: [String: Bool] = [:]
        for entry in try await runtime.accounts().consents(id) ?? [] {
            current[entry.purpose] = entry.granted
        }
        var changes: [String: Bool] = [:]
        for purpose in runtime.policies.purposes where (current[purpose.id] ?? false) != given.contains(purpose.id) {
            changes[purpose.id] = given.contains(purpose.id)
        }
        if !changes.isEmpty {
            let receipt = try await requests.submit(
                RequestSubmission(
                    kind: .consentChange,
                    accountID: id,
                    channel: .web,
                    consentChanges: changes,
                    submittedBy: .customer
                )
            )
            outbox.nudge()
            if receipt.status == .awaitingVerification {
                return Pages.redirect("/privacy/requests/\(receipt.outcome.requestID)/verify")
            }
        }
        return Pages.redirect("/privacy/account")
    }

    /// Streams the customer's own export bundle as a ZIP, decrypted a chunk at a time, counting one download;
    /// 404 for anyone else's, 410 once the link has expired or is used up.
    func download(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let id = customer(context) else { return Pages.redirect("/privacy") }
        let bundleID = try context.parameters.require("bundle")
        // Someone else's bundle, an expired one and a missing one all look the same from here.
        guard let record = try await runtime.exporter().bundle(bundleID), record.accountID == id else {
            throw Problem.notFound("no download \(bundleID) on your account")
        }
        let download: BundleDownload
        do {
            download = try await runtime.exporter().openDownload(bundleID)
        } catch let failure as JobFailure {
            throw Problem("gone", "This download is no longer available", status: 410, detail: failure.message)
        }
        // Sent as it is decrypted, a chunk at a time, each written only when the client has taken the last.
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"lethe-export-\(bundleID).zip\"",
            ],
            body: ResponseBody(asyncSequence: download.map { ByteBuffer(bytes: $0) })
        )
    }
}

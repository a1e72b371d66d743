import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// What happened to a change an agent made on the account page, shown at the top of the page.
enum ChangeOutcome {
    /// Applied (or held for a supervisor), in words.
    case done(String)
    /// Refused before anything changed, with what to fix.
    case refused(String)

    /// Runs one procedure: what it says when it succeeds, or the refusal of the engine or the form.
    /// Anything else (a store failure) is no refusal and is thrown on to the problem middleware.
    static func of(_ body: () async throws -> String) async throws -> ChangeOutcome {
        do {
            return .done(try await body())
        } catch let error as AccountError {
            return .refused(error.description)
        } catch let error as ChangeFormError {
            return .refused(error.description)
        }
    }
}

// The account procedures on the dashboard, with the same reach as the API and the CLI: send the
// customer a code, change contact details, addresses and cards, and reactivate a deactivated account.
// Every change needs identity evidence from the form; without it, it waits for a supervisor.
extension AccountRoutes {
    /// Adds `POST /dashboard/accounts/:account/code`, `…/change` and `…/reactivate`.
    func registerChanges(on dashboard: RouterGroup<LetheRequestContext>) {
        dashboard.post("accounts/:account/code") { request, context in try await sendCode(request, context) }
        dashboard.post("accounts/:account/change") { request, context in try await change(request, context) }
        dashboard.post("accounts/:account/reactivate") { request, context in try await reactivate(request, context) }
    }

    /// The account, the signed-in agent (with `work-accounts` and `verify-identity`) and the checked form.
    private func changeForm(
        _ request: Request,
        _ context: LetheRequestContext
    ) async throws -> (AccountID, Principal, Form)? {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .workAccounts) else { return nil }
        _ = try Caller.check(principal, .verifyIdentity)
        let account = try context.parameters.require("account")
        do { return (try AccountID(account), principal, form) } catch {
            throw Problem.badRequest("an account id is TR- and 5 digits")
        }
    }

    /// Sends the customer a one-time code to read back as evidence.
    func sendCode(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let (id, _, _) = try await changeForm(request, context) else { return Pages.redirect("/login") }
        let outcome = try await ChangeOutcome.of {
            try await runtime.accounts().sendVerificationCode(id)
            outbox.nudge()
            return "A one-time code went to the customer's registered email."
        }
        return try await accountPage(context, account: id.description, revealed: nil, outcome: outcome)
    }

    /// Applies the changes in the form on the evidence given, or holds them for a supervisor.
    func change(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let (id, principal, form) = try await changeForm(request, context) else {
            return Pages.redirect("/login")
        }
        let accounts = runtime.accounts()
        let outcome = try await ChangeOutcome.of {
            let changes = try Self.changes(form)
            var verification: IdentityVerification?
            if let proof = try Self.proof(form) {
                verification = try await accounts.verifyIdentity(id, proof: proof, by: principal.actorName)
            }
            let result = try await accounts.modify(
                id,
                changes: changes,
                verification: verification,
                reason: form["reason"] ?? "",
                reference: Self.optional(form["reference"]),
                by: principal.actorName
            )
            outbox.nudge()
            switch result {
            case .applied: return "Changed \(changes.map(\.fieldName).joined(separator: ", ")); the customer is told."
            case .escalated(let escalation, let why): return "Held for a supervisor (escalation \(escalation)): \(why)."
            }
        }
        return try await accountPage(context, account: id.description, revealed: nil, outcome: outcome)
    }

    /// Reactivates a deactivated account on the evidence given; wrong evidence changes nothing.
    func reactivate(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let (id, principal, form) = try await changeForm(request, context) else {
            return Pages.redirect("/login")
        }
        let accounts = runtime.accounts()
        let outcome = try await ChangeOutcome.of {
            guard let proof = try Self.proof(form) else {
                throw ChangeFormError("give the customer's answer, a code, or date of birth and postcode")
            }
            let verification = try await accounts.verifyIdentity(id, proof: proof, by: principal.actorName)
            try await accounts.reactivate(
                id,
                verification: verification,
                reason: form["reason"] ?? "",
                reference: Self.optional(form["reference"]),
                by: principal.actorName
            )
            outbox.nudge()
            return "Reactivated; the customer is told."
        }
        return try await accountPage(context, account: id.description, revealed: nil, outcome: outcome)
    }

    /// A form value, or nil when left empty.
    static func optional(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The evidence in the form: the answer, a code, or date of birth with postcode; nil for none.
    static func proof(_ form: Form) throws -> IdentityProof? {
        if let answer = optional(form["answer"]) { return .securityAnswer(answer) }
        if let code = optional(form["code"]) { return .code(code) }
        if let dob = optional(form["dob"]), let postcode = optional(form["postcode"]) {
            guard let date = LocalDate(dob) else { throw ChangeFormError("the date of birth is YYYY-MM-DD") }
            return .dateOfBirthAndPostcode(date, postcode: postcode)
        }
        return nil
    }

    /// The changes the form asks for; the engine checks every value before anything is stored.
    static func changes(_ form: Form) throws -> [AccountChange] {
        var changes: [AccountChange] = []
        if let name = optional(form["name"]) { changes.append(.fullName(name)) }
        if let email = optional(form["email"]) { changes.append(.email(email)) }
        if let phone = optional(form["phone"]) { changes.append(.phone(phone)) }
        if let line1 = optional(form["line1"]) {
            guard let city = optional(form["city"]), let postcode = optional(form["address-postcode"]),
                let country = optional(form["country"]), country.count == 2
            else { throw ChangeFormError("a new address needs its first line, town, postcode and two-letter country") }
            changes.append(
                .addAddress(
                    PostalAddress(
                        label: optional(form["label"]) ?? "home",
                        line1: line1,
                        line2: optional(form["line2"]),
                        city: city,
                        postalCode: postcode,
                        country: country.uppercased()
                    )
                )
            )
        }
        if let row = optional(form["remove-address"]) {
            guard let id = Int64(row) else { throw ChangeFormError("choose an address to remove") }
            changes.append(.removeAddress(id: id))
        }
        if let number = optional(form["card"]) {
            let expiry = (form["expiry"] ?? "").split(separator: "/").compactMap { Int($0) }
            guard let holder = optional(form["holder"]), expiry.count == 2 else {
                throw ChangeFormError("a new card needs the name on it and its expiry as MM/YYYY")
            }
            do {
                changes.append(
                    .addPaymentMethod(
                        NewPaymentMethod(
                            card: try PaymentCardNumber(number),
                            cardholderName: holder,
                            expiry: try CardExpiry(month: expiry[0], year: expiry[1])
                        )
                    )
                )
            } catch {
                throw ChangeFormError("that card cannot be used: \(error)")
            }
        }
        if let row = optional(form["remove-card"]) {
            guard let id = Int64(row) else { throw ChangeFormError("choose a card to remove") }
            changes.append(.removePaymentMethod(id: id))
        }
        guard !changes.isEmpty else { throw ChangeFormError("nothing to change: fill in at least one field") }
        return changes
    }
}

/// A part of the dashboard's change form that cannot be used, in words for the agent.
struct ChangeFormError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

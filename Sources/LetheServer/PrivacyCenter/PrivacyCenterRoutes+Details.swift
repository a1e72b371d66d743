import Foundation
import Hummingbird
import LetheCore
import LetheEngine

// The customer keeps their own addresses and payment methods up to date (GDPR Art 16). The signed-in
// session is the identity evidence (its code went to the registered email); each change carries a
// record note and a notice to the registered address, as a change made by staff does.
extension PrivacyCenterRoutes {
    /// Adds the address and card forms' `POST` routes under `/privacy/account`.
    func registerDetails(on center: RouterGroup<LetheRequestContext>) {
        center.post("account/addresses") { request, context in
            try await change(request, context) { form in .addAddress(try Self.address(form)) }
        }
        center.post("account/addresses/:row/remove") { request, context in
            let row = try context.parameters.require("row", as: Int64.self)
            return try await change(request, context) { _ in .removeAddress(id: row) }
        }
        center.post("account/cards") { request, context in
            try await change(request, context) { form in .addPaymentMethod(try Self.card(form)) }
        }
        center.post("account/cards/:row/remove") { request, context in
            let row = try context.parameters.require("row", as: Int64.self)
            return try await change(request, context) { _ in .removePaymentMethod(id: row) }
        }
    }

    /// Why the record note says a change was made when customers make it themselves.
    static let customerChangeReason = "changed by the customer in the privacy center"

    /// Applies one change the customer made (needs the CSRF token); a refusal shows the account page again
    /// with what to fix, and nothing changes.
    func change(
        _ request: Request,
        _ context: LetheRequestContext,
        _ build: (Form) throws -> AccountChange
    ) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let id = customer(context), let token = context.sessionToken else { return Pages.redirect("/privacy") }
        let outcome: ModificationOutcome
        do {
            let change = try build(form)
            let verification = try await access.customerVerification(sessionToken: token)
            outcome = try await runtime.accounts().modify(
                id,
                changes: [change],
                verification: verification,
                reason: Self.customerChangeReason,
                reference: nil,
                by: AccountService.customerAuthor
            )
        } catch let error as DetailsFormError {
            return try await accountPage(request, context, error: error.description, status: .badRequest)
        } catch let error as AccountError {
            return try await accountPage(request, context, error: error.description, status: .badRequest)
        }
        outbox.nudge()
        switch outcome {
        case .applied: return Pages.redirect("/privacy/account?changed=1")
        case .escalated: return Pages.redirect("/privacy/account?held=1")
        }
    }

    /// The address form's fields; the engine checks each part before anything is stored.
    static func address(_ form: Form) throws -> PostalAddress {
        func required(_ name: String, _ label: String) throws -> String {
            let value = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw DetailsFormError("\(label) is needed") }
            return value
        }
        let country = try required("country", "The country").uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw DetailsFormError("The country is its two-letter code, for example GB")
        }
        let label = (form["label"] ?? "").trimmingCharacters(in: .whitespaces)
        let line2 = (form["line2"] ?? "").trimmingCharacters(in: .whitespaces)
        return PostalAddress(
            label: label.isEmpty ? "home" : label,
            line1: try required("line1", "The first line"),
            line2: line2.isEmpty ? nil : line2,
            city: try required("city", "The town or city"),
            postalCode: try required("postcode", "The postcode"),
            country: country
        )
    }

    /// The card form's fields: number, name on the card, and expiry as `MM/YYYY`.
    static func card(_ form: Form) throws -> NewPaymentMethod {
        let expiry = (form["expiry"] ?? "").split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        guard expiry.count == 2, let month = Int(expiry[0]), let year = Int(expiry[1]) else {
            throw DetailsFormError("The expiry is month and year, for example 04/2030")
        }
        let holder = (form["holder"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !holder.isEmpty else { throw DetailsFormError("The name on the card is needed") }
        do {
            return NewPaymentMethod(
                card: try PaymentCardNumber(form["number"] ?? ""),
                cardholderName: holder,
                expiry: try CardExpiry(month: month, year: year)
            )
        } catch {
            // The card error names the rule broken, never the digits.
            throw DetailsFormError("That card cannot be used: \(error)")
        }
    }
}

/// A field of the privacy center's address or card form that cannot be used, in words for the customer.
struct DetailsFormError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

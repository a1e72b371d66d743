import Foundation
import LetheCore
import LetheEngine

extension APIHandler {
    /// The engine's masked view as the API's schema; nothing in it is shown in full.
    static func masked(_ account: MaskedAccount) -> Components.Schemas.MaskedAccount {
        .init(
            id: account.id,
            status: account.status,
            name: account.name,
            email: account.email,
            phone: account.phone,
            residence: account.residence,
            addresses: account.addresses,
            paymentMethods: account.paymentMethods,
            subscription: account.subscription,
            createdAt: account.createdAt
        )
    }

    /// `POST /api/v1/accounts` (needs `work-accounts`): opens an account and answers with its masked view.
    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        let caller = try Caller.require(.workAccounts)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        var dateOfBirth: LocalDate?
        if let text = body.dateOfBirth {
            guard let parsed = LocalDate(text) else { throw Problem.badRequest("dateOfBirth is YYYY-MM-DD") }
            dateOfBirth = parsed
        }
        let application = AccountApplication(
            fullName: body.fullName,
            email: body.email,
            phone: body.phone,
            dateOfBirth: dateOfBirth,
            residence: body.residence,
            securityAnswer: body.securityAnswer
        )
        let id = try await act { try await accounts.create(application, by: caller.actorName) }
        return .created(.init(body: .json(Self.masked(try await accounts.view(id)))))
    }

    /// `GET /api/v1/accounts/{account}` (needs `read-accounts`): the account with every personal value masked.
    func showAccount(_ input: Operations.ShowAccount.Input) async throws -> Operations.ShowAccount.Output {
        _ = try Caller.require(.readAccounts)
        let id = try accountID(input.path.account)
        return .ok(.init(body: .json(Self.masked(try await accounts.view(id)))))
    }

    /// `PATCH /api/v1/accounts/{account}` (needs `work-accounts`, and `verify-identity` to send evidence):
    /// applies the change when identity is verified, else holds it for a supervisor; the answer says which.
    func updateAccount(_ input: Operations.UpdateAccount.Input) async throws -> Operations.UpdateAccount.Output {
        let caller = try Caller.require(.workAccounts)
        let id = try accountID(input.path.account)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        var changes: [AccountChange] = []
        if let email = body.email { changes.append(.email(email)) }
        if let phone = body.phone { changes.append(.phone(phone.isEmpty ? nil : phone)) }
        if let name = body.fullName { changes.append(.fullName(name)) }
        if let address = body.addAddress { changes.append(.addAddress(Self.address(address))) }
        if let addressID = body.removeAddress { changes.append(.removeAddress(id: addressID)) }
        if let card = body.addPaymentMethod { changes.append(.addPaymentMethod(try Self.paymentMethod(card))) }
        if let methodID = body.removePaymentMethod { changes.append(.removePaymentMethod(id: methodID)) }
        guard !changes.isEmpty else {
            throw Problem.badRequest(
                "give at least one of email, phone, fullName, addAddress, removeAddress, addPaymentMethod, removePaymentMethod"
            )
        }
        var verification: IdentityVerification?
        if let given = body.verification {
            guard try Caller.require(.verifyIdentity) == caller else { throw Problem.forbidden(.verifyIdentity) }
            if let proof = try Self.proof(given) {
                verification = try await accounts.verifyIdentity(id, proof: proof, by: caller.actorName)
            }
        }
        let outcome = try await act {
            try await accounts.modify(
                id,
                changes: changes,
                verification: verification,
                reason: body.reason,
                reference: body.reference,
                by: caller.actorName
            )
        }
        switch outcome {
        case .applied: return .ok(.init(body: .json(.init(outcome: .applied))))
        case .escalated(let escalation, let reason):
            return .ok(.init(body: .json(.init(outcome: .escalated, escalation: escalation, escalationReason: reason))))
        }
    }

    /// `POST /api/v1/accounts/{account}/reactivate` (needs `work-accounts` and `verify-identity`): ends a
    /// deactivation once the evidence checks out; evidence that does not is a 422 and changes nothing.
    func reactivateAccount(
        _ input: Operations.ReactivateAccount.Input
    ) async throws
        -> Operations.ReactivateAccount.Output
    {
        let caller = try Caller.require(.workAccounts)
        guard try Caller.require(.verifyIdentity) == caller else { throw Problem.forbidden(.verifyIdentity) }
        let id = try accountID(input.path.account)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        guard let proof = try Self.proof(body.verification) else {
            throw Problem.badRequest("verification needs answer, code, or dateOfBirth with postcode")
        }
        try await act {
            let verification = try await accounts.verifyIdentity(id, proof: proof, by: caller.actorName)
            try await accounts.reactivate(
                id,
                verification: verification,
                reason: body.reason,
                reference: body.reference,
                by: caller.actorName
            )
        }
        return .ok(.init(body: .json(Self.masked(try await accounts.view(id)))))
    }

    /// The identity check the caller sent, or nil when it names none.
    static func proof(_ given: Components.Schemas.IdentityEvidence) throws -> IdentityProof? {
        if let answer = given.answer { return .securityAnswer(answer) }
        if let code = given.code { return .code(code) }
        if let text = given.dateOfBirth, let postcode = given.postcode {
            guard let dob = LocalDate(text) else { throw Problem.badRequest("dateOfBirth is YYYY-MM-DD") }
            return .dateOfBirthAndPostcode(dob, postcode: postcode)
        }
        return nil
    }

    /// The address as sent; the engine checks each part before anything is stored.
    static func address(_ given: Components.Schemas.PostalAddress) -> PostalAddress {
        PostalAddress(
            label: given.label.flatMap { $0.isEmpty ? nil : $0 } ?? "home",
            line1: given.line1,
            line2: given.line2.flatMap { $0.isEmpty ? nil : $0 },
            city: given.city,
            postalCode: given.postalCode,
            country: given.country.uppercased()
        )
    }

    /// The card as sent; a number that fails its check digit or an impossible expiry is a 400.
    static func paymentMethod(_ given: Components.Schemas.PaymentCard) throws -> NewPaymentMethod {
        do {
            return NewPaymentMethod(
                card: try PaymentCardNumber(given.number),
                cardholderName: given.cardholderName,
                expiry: try CardExpiry(month: given.expiryMonth, year: given.expiryYear)
            )
        } catch {
            throw Problem.badRequest("addPaymentMethod: \(error)")
        }
    }

    /// `POST /api/v1/accounts/{account}/reveal` (needs `reveal-personal-data`): one value in full, recorded
    /// in the audit trail with the reason given.
    func revealAccountField(
        _ input: Operations.RevealAccountField.Input
    ) async throws
        -> Operations.RevealAccountField.Output
    {
        let caller = try Caller.require(.revealPersonalData)
        let id = try accountID(input.path.account)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send field and reason") }
        let value = try await accounts.reveal(id, field: body.field.rawValue, reason: body.reason, by: caller.actorName)
        return .ok(.init(body: .json(.init(field: body.field.rawValue, value: value))))
    }

    /// `GET /api/v1/accounts/{account}/notes` (needs `read-accounts`): what changed on the account, when, why
    /// and by whom, newest first.
    func listRecordNotes(_ input: Operations.ListRecordNotes.Input) async throws -> Operations.ListRecordNotes.Output {
        _ = try Caller.require(.readAccounts)
        let id = try accountID(input.path.account)
        let notes = try await accounts.notes(RecordNoteQuery(accountID: id))
        return .ok(
            .init(
                body: .json(
                    .init(
                        notes: notes.map { note in
                            .init(
                                at: note.at,
                                author: note.author,
                                summary: note.changedFields.joined(separator: ", "),
                                reason: note.reason,
                                reference: note.reference,
                                verification: note.verification.map {
                                    "\($0.method.rawValue) by \($0.verifiedBy)"
                                }
                            )
                        }
                    )
                )
            )
        )
    }

    /// `GET /api/v1/accounts/{account}/consents` (needs `read-accounts`): the consent ledger and the current
    /// choice per purpose, as evidence of what the customer agreed to and when.
    func listConsents(_ input: Operations.ListConsents.Input) async throws -> Operations.ListConsents.Output {
        _ = try Caller.require(.readAccounts)
        let id = try accountID(input.path.account)
        guard let history = try await accounts.consents(id) else { throw Problem.notFound("no account \(id)") }
        var current: [String: Bool] = [:]
        for entry in history { current[entry.purpose] = entry.granted }
        return .ok(
            .init(
                body: .json(
                    .init(
                        current: .init(additionalProperties: current),
                        history: history.map {
                            .init(purpose: $0.purpose, granted: $0.granted, at: $0.at, source: $0.source)
                        }
                    )
                )
            )
        )
    }
}

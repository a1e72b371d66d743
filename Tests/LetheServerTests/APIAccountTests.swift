import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import LetheEngine
import NIOCore
import OpenAPIRuntime
import Testing

@testable import LetheServer

/// The account procedures over the JSON API reach as far as the CLI: addresses, payment methods and
/// reactivation, each only after identity is verified and each leaving its record note.
@Suite("Account changes over the API")
struct APIAccountTests {
    @Test("an agent adds and removes an address and a card after verification; the card shows only masked")
    func addressesAndCardsChangeAfterVerification() async throws {
        let server = try await TestServer.make()
        let agent = try await server.token(.agent)
        let account = try await server.customer("places.cards@example.com")
        try await server.test { client in
            let api = try TestServer.api(client, agent)
            let path = Operations.UpdateAccount.Input.Path(account: account.description)
            let added = try await api.updateAccount(
                path: path,
                body: .json(
                    .init(
                        addAddress: .init(
                            label: "work",
                            line1: "2 Office Row",
                            city: "York",
                            postalCode: "YO1 7HH",
                            country: "gb"
                        ),
                        addPaymentMethod: .init(
                            number: "4111 1111 1111 1111",
                            cardholderName: "Test Customer",
                            expiryMonth: 4,
                            expiryYear: 2030
                        ),
                        reason: "customer phoned with a new office address and card",
                        verification: .init(answer: "otter")
                    )
                )
            ).ok.body.json
            #expect(added.outcome == .applied)
            let view = try await api.showAccount(path: .init(account: account.description)).ok.body.json
            #expect(view.addresses.count == 2)
            #expect(view.paymentMethods.count == 1)
            #expect(view.paymentMethods.first?.contains("1111") == true)
            #expect(view.paymentMethods.first?.contains("4111") == false)
            #expect(!view.addresses.joined().contains("Office Row"))

            // The masked view names each row by its id, which a removal gives back.
            let workID = try #require(view.addresses.last.flatMap { Int64($0.prefix { $0 != ":" }) })
            let removed = try await api.updateAccount(
                path: path,
                body: .json(.init(removeAddress: workID, reason: "moved out", verification: .init(answer: "Otter")))
            ).ok.body.json
            #expect(removed.outcome == .applied)
            #expect(
                try await api.showAccount(path: .init(account: account.description)).ok.body.json.addresses.count == 1
            )

            // A card that fails its check digit is refused before anything changes.
            let refused = try await api.updateAccount(
                path: path,
                body: .json(
                    .init(
                        addPaymentMethod: .init(
                            number: "4111 1111 1111 1112",
                            cardholderName: "Test Customer",
                            expiryMonth: 4,
                            expiryYear: 2030
                        ),
                        reason: "typo",
                        verification: .init(answer: "Otter")
                    )
                )
            )
            guard case .default(let status, _) = refused else {
                Issue.record("a card with a bad check digit was accepted")
                return
            }
            #expect(status == 400)
            #expect(
                try await api.showAccount(path: .init(account: account.description)).ok.body.json.paymentMethods.count
                    == 1
            )

            let notes = try await api.listRecordNotes(path: .init(account: account.description)).ok.body.json.notes
            #expect(notes.contains { $0.summary.contains("address") && $0.summary.contains("payment-method") })
            #expect(notes.contains { $0.reason == "moved out" })
        }
        // Without verification the same change waits for a supervisor instead.
        let held = try await server.runtime.accounts().modify(
            account,
            changes: [.removePaymentMethod(id: 1)],
            verification: nil,
            reason: "no proof",
            reference: nil,
            by: "agent"
        )
        guard case .escalated = held else {
            Issue.record("an unverified card removal was applied")
            return
        }
    }

    @Test("reactivation over the API needs matching evidence and leaves a note, an audit entry and a notice")
    func reactivationNeedsEvidence() async throws {
        let server = try await TestServer.make()
        let agent = try await server.token(.agent)
        let email = "back.again@example.com"
        let account = try await server.customer(email)
        try await server.test { client in
            let api = try TestServer.api(client, agent)
            let path = Operations.ReactivateAccount.Input.Path(account: account.description)
            // An active account has nothing to reactivate.
            let notDeactivated = try await api.reactivateAccount(
                path: path,
                body: .json(.init(reason: "asked", verification: .init(answer: "Otter")))
            )
            guard case .default(let conflict, _) = notDeactivated else {
                Issue.record("an active account was 'reactivated'")
                return
            }
            #expect(conflict == 409)

            try await server.deactivate(account)
            let wrong = try await api.reactivateAccount(
                path: path,
                body: .json(.init(reason: "asked", verification: .init(answer: "Badger")))
            )
            guard case .default(let refused, _) = wrong else {
                Issue.record("a wrong answer reactivated the account")
                return
            }
            #expect(refused == 422)
            #expect(try await server.runtime.accounts().view(account).status == "deactivated")

            let back = try await api.reactivateAccount(
                path: path,
                body: .json(
                    .init(
                        reason: "customer phoned to use the account again",
                        reference: "T-881",
                        verification: .init(answer: "otter")
                    )
                )
            ).ok.body.json
            #expect(back.status == "active")
        }
        let notes = try await server.runtime.accounts().notes(RecordNoteQuery(accountID: account))
        let note = try #require(notes.first { $0.reference == "T-881" })
        #expect(note.changedFields == ["status"])
        #expect(note.verification?.method == .securityQuestions)
        let audit = try await server.runtime.evidence.auditEntries(
            subjectType: "account",
            subjectID: account.description
        )
        #expect(audit.filter { $0.event.action == "account.changed" && $0.event.fields == ["status"] }.count == 2)
        #expect(
            try await server.mails(to: email, waitingFor: "Your account is active again").contains {
                $0.contains("Your account is active again")
            }
        )
        // The customer can sign in again.
        #expect(try await server.access.openCustomerSession(account).principal == .customer(account))
    }
}

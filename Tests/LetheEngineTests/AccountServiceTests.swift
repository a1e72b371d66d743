import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

@Suite("Account workflows")
struct AccountServiceTests {
    let folder = temporaryFolder("lethe-engine")
    let store: SQLStore
    let service: AccountService
    let logs = LogCapture()
    let clock = FixedWallClock(Date(timeIntervalSince1970: 1_790_000_000))

    init() async throws {
        let vault = KeyVault(keyring: try MasterKeyring.generate())
        store = try await TestBackend.openStore(folder: folder, vault: vault)
        service = AccountService(
            store: store,
            vault: vault,
            policies: try ShippedPolicies.load(),
            clock: clock,
            random: SeededRandomSource(seed: 7),
            hasher: PasswordHasher(logN: 10),
            logger: logs.logger("test")
        )
    }

    func application(_ n: Int = 1) -> AccountApplication {
        AccountApplication(
            fullName: "Odessa Farthingale",
            email: "odessa.f\(n)@example.net",
            phone: "+1 415 555 01\(String(format: "%02d", n))",
            dateOfBirth: .d("1979-11-02"),
            residence: "us-ca",
            addresses: [
                PostalAddress(
                    label: "home",
                    line1: "77 Sycamore Row",
                    city: "Fremont",
                    postalCode: "94536",
                    country: "US"
                )
            ],
            password: "a long enough passphrase",
            securityAnswer: "  Blue   Heron ",
            promoCode: nil
        )
    }

    @Test("Opening an account gives an unguessable TR- id, hashes the password and queues a welcome")
    func create() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try await service.create(application(1), by: "agent-1")
        let second = try await service.create(application(2), by: "agent-1")
        #expect(first.description.hasPrefix("TR-") && first.description.count == 8)
        #expect(abs(first.number - second.number) != 1)
        let pending = try await store.pendingMessages(limit: 10, now: clock.now())
        #expect(pending.map(\.message.kind) == [.welcome, .welcome])
        #expect(pending.first?.message.recipient == "odessa.f1@example.net")
        let notes = try await service.notes(RecordNoteQuery(accountID: first))
        #expect(notes.map(\.changedFields) == [["account"]])
        await #expect(throws: AccountError.self) {
            var bad = application(3)
            bad.residence = "atlantis"
            _ = try await service.create(bad, by: "agent-1")
        }
        await #expect(throws: AccountError.self) {
            var bad = application(4)
            bad.password = "short"
            _ = try await service.create(bad, by: "agent-1")
        }
    }

    @Test("A change without verified identity is escalated, not applied")
    func unverifiedChangeEscalates() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(), by: "agent-1")
        let outcome = try await service.modify(
            id,
            changes: [.email("odessa.new@example.net")],
            verification: nil,
            reason: "Customer asked by phone",
            reference: "TICKET-9",
            by: "agent-2"
        )
        guard case .escalated = outcome else {
            Issue.record("expected an escalation, got \(outcome)")
            return
        }
        #expect(try await store.account(id)?.email == "odessa.f1@example.net")
        let queue = try await store.escalations(status: "open")
        #expect(queue.map(\.changedFields) == [["email"]])
        #expect(queue.first?.reason.contains("identity not verified") == true)
    }

    @Test("A wrong security answer verifies nothing; the right one, spaced and cased differently, does")
    func securityAnswers() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(), by: "agent-1")
        #expect(try await service.verifySecurityAnswer(id, answer: "red heron", by: "agent-2") == nil)
        let verified = try #require(try await service.verifySecurityAnswer(id, answer: "blue heron", by: "agent-2"))
        #expect(verified.evidence.method == .securityQuestions)
        #expect(verified.evidence.verifiedBy == "agent-2")
        #expect(
            try await service.verifyDateOfBirthAndAddress(
                id,
                dateOfBirth: .d("1979-11-02"),
                postalCode: " 94536",
                by: "agent-2"
            ) != nil
        )
        #expect(
            try await service.verifyDateOfBirthAndAddress(
                id,
                dateOfBirth: .d("1979-11-03"),
                postalCode: "94536",
                by: "agent-2"
            ) == nil
        )
    }

    @Test("A verified change is applied with a record note (field names, evidence) and a confirmation")
    func verifiedChange() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(), by: "agent-1")
        let verified = try #require(try await service.verifySecurityAnswer(id, answer: "Blue Heron", by: "agent-2"))
        let card = NewPaymentMethod(
            card: try PaymentCardNumber("5555 5555 5555 4444"),
            cardholderName: "O Farthingale",
            expiry: try CardExpiry(month: 2, year: 2031)
        )
        let outcome = try await service.modify(
            id,
            changes: [.email("odessa.new@example.net"), .addPaymentMethod(card)],
            verification: verified,
            reason: "New work email and card",
            reference: "TICKET-10",
            by: "agent-2"
        )
        #expect(outcome == .applied)
        let account = try #require(try await store.account(id))
        #expect(account.email == "odessa.new@example.net")
        #expect(account.paymentMethods.first?.last4 == "4444")
        let note = try #require(try await service.notes(RecordNoteQuery(accountID: id, author: "agent-2")).first)
        #expect(note.changedFields == ["email", "payment-method"])
        #expect(note.verification?.method == .securityQuestions)
        #expect(note.reference == "TICKET-10")
        let pending = try await store.pendingMessages(limit: 10, now: clock.now())
        let confirmation = try #require(pending.last)
        #expect(confirmation.message.kind == .accountChanged)
        // Sent to the address on record before the change, naming fields, not values.
        #expect(confirmation.message.recipient == "odessa.f1@example.net")
        #expect(confirmation.message.parameters == ["fields": "email, payment-method"])
    }

    @Test("A one-time code to the registered email verifies a change; a wrong or reused code does not")
    func oneTimeCodeVerification() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(), by: "agent-1")
        try await service.sendVerificationCode(id)
        let message = try #require(
            try await store.pendingMessages(limit: 10, now: clock.now()).last {
                $0.message.kind == .accountVerificationCode
            }
        )
        #expect(message.message.recipient == "odessa.f1@example.net")
        let code = try #require(message.message.parameters["code"])
        #expect(
            try await service.verifyOneTimeCode(id, code: code == "123456" ? "654321" : "123456", by: "agent-2") == nil
        )
        let verified = try #require(try await service.verifyOneTimeCode(id, code: code, by: "agent-2"))
        #expect(verified.evidence.method == .oneTimeCodeEmail)
        // A spent code cannot verify twice.
        await #expect(throws: AccountError.self) {
            _ = try await service.verifyOneTimeCode(id, code: code, by: "agent-2")
        }
        #expect(
            try await service.modify(
                id,
                changes: [.subscription("annual-tea")],
                verification: verified,
                reason: "upgrade",
                reference: nil,
                by: "agent-2"
            )
                == .applied
        )
    }

    @Test("Changes that conflict with the record go to a supervisor even when verified")
    func conflictsEscalate() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(1), by: "agent-1")
        _ = try await service.create(application(2), by: "agent-1")
        let verified = try #require(try await service.verifySecurityAnswer(id, answer: "blue heron", by: "agent-2"))
        let taken = try await service.modify(
            id,
            changes: [.email("odessa.f2@example.net")],
            verification: verified,
            reason: "x",
            reference: nil,
            by: "agent-2"
        )
        #expect(taken == .escalated(id: 1, reason: "the new email belongs to another account"))
        let takeover = try await service.modify(
            id,
            changes: [.fullName("Someone Else"), .email("else@example.net"), .phone("+14155550199")],
            verification: verified,
            reason: "x",
            reference: nil,
            by: "agent-2"
        )
        #expect(takeover == .escalated(id: 2, reason: "name, email and phone changed together"))
        #expect(try await store.account(id)?.fullName == "Odessa Farthingale")
    }

    @Test("Agents see masked values; a reveal needs a reason and is audited before it is shown")
    func maskedViewAndAuditedReveal() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(), by: "agent-1")
        let view = try await service.view(id)
        #expect(view.email == "o***@example.net")
        #expect(view.phone == "•••• 0101")
        #expect(view.name == "O*** F***")
        await #expect(throws: AccountError.revealNeedsReason) {
            _ = try await service.reveal(id, field: "email", reason: " ", by: "agent-3")
        }
        // The refused reveal left no trace beyond the account's opening.
        #expect(
            try await store.auditEntries(subjectType: "account", subjectID: id.description).map(\.event.action) == [
                "account.created"
            ]
        )
        let email = try await service.reveal(
            id,
            field: "email",
            reason: "Customer cannot read the masked value",
            by: "agent-3"
        )
        #expect(email == "odessa.f1@example.net")
        let audit = try await store.auditEntries(subjectType: "account", subjectID: id.description)
        #expect(audit.map(\.event.action) == ["account.created", "reveal"])
        #expect(audit.last?.event.fields == ["email"])
        #expect(audit.last?.event.actor == "agent-3")
        #expect(try await store.firstBrokenAuditEntry() == nil)
    }

    @Test("Workflows log ids and field names but never a personal value")
    func logsCarryNoPersonalData() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = try await service.create(application(), by: "agent-1")
        let verified = try #require(try await service.verifySecurityAnswer(id, answer: "blue heron", by: "agent-2"))
        _ = try await service.modify(
            id,
            changes: [.email("odessa.new@example.net")],
            verification: verified,
            reason: "r",
            reference: nil,
            by: "agent-2"
        )
        _ = try await service.modify(
            id,
            changes: [.phone("+14155550188")],
            verification: nil,
            reason: "r",
            reference: nil,
            by: "agent-2"
        )
        _ = try await service.reveal(id, field: "phone", reason: "on the phone", by: "agent-3")
        let text = logs.lines.joined(separator: "\n")
        #expect(logs.lines.count == 4)
        #expect(text.contains(id.description))
        for secret in [
            "odessa", "Odessa", "Farthingale", "4155550101", "415 555", "Sycamore", "94536", "heron", "passphrase",
        ] {
            #expect(!text.contains(secret), "log leaked '\(secret)'")
        }
    }
}

import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import LetheTestSupport
import Testing

/// The store implementations the conformance suite runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A store under test with its folder and vault, removed by `close()`.
struct StoreUnderTest {
    let store: SQLStore
    let vault: KeyVault
    let folder: String
    /// The store when it is on SQLite, for checks of the file itself.
    var sqlite: SQLStore? { store.sqlitePath == nil ? nil : store }

    static func make(
        _ backend: Backend,
        faults: StoreFaults = StoreFaults(),
        keyring: MasterKeyring? = nil
    ) async throws
        -> StoreUnderTest
    {
        let vault = KeyVault(keyring: try keyring ?? MasterKeyring.generate())
        let folder = temporaryFolder("lethe-store")
        switch backend {
        case .sqlite:
            return StoreUnderTest(
                store: try SQLStore(folder: folder, vault: vault, faults: faults),
                vault: vault,
                folder: folder
            )
        case .postgres:
            let settings = try ThrowawayPostgres.database(forFolder: folder)
            return StoreUnderTest(
                store: try await SQLStore.postgres(settings, vault: vault, faults: faults),
                vault: vault,
                folder: folder
            )
        }
    }

    /// Removes the folder, and lets the store's connections go (the test's database goes with the server).
    func close() {
        try? FileManager.default.removeItem(atPath: folder)
        if let store = store as? SQLStore { Task { await store.close() } }
    }
}

/// Fictional but realistic people; no real person's data.
enum Fixtures {
    static let created = Date(timeIntervalSince1970: 1_790_000_000)

    static func account(_ n: Int = 1, email: String? = nil) -> NewAccount {
        NewAccount(
            fullName: "Zelda Quimby-\(n)",
            email: email ?? "zelda.quimby\(n)@example.org",
            phone: "+44 20 7946 \(String(format: "%04d", n))",
            dateOfBirth: LocalDate(year: 1988, month: 4, day: 17),
            residence: "uk-gdpr",
            addresses: [
                PostalAddress(
                    label: "home",
                    line1: "\(n) Quillfeather Lane",
                    city: "Exampleton",
                    postalCode: "EX1 2QZ",
                    country: "GB"
                )
            ],
            securityAnswer: "Marmalade the cat",
            promoCode: "SPRING",
            preferences: Preferences(language: "en", notifications: ["email": true, "sms": false]),
            createdAt: created
        )
    }

    static func note(
        _ id: AccountID,
        author: String = "agent-7",
        fields: [String] = ["account"],
        at: Date = created
    ) -> RecordNote {
        RecordNote(
            accountID: id,
            at: at,
            author: author,
            changedFields: fields,
            reason: "Opened at the customer's request",
            reference: "TICKET-1",
            verification: nil
        )
    }

    static func welcome(_ id: AccountID, email: String) -> OutboxMessage {
        OutboxMessage(.welcome(account: id), accountID: id, recipient: email)
    }

    /// Accounts `numbers` with ids `idsFrom + n`, each with its welcome message.
    static func createAccounts(_ store: any LetheStore, _ numbers: ClosedRange<Int>, idsFrom base: Int) async throws {
        for n in numbers {
            let id = Fixtures.id(base + n)
            try await store.createAccount(
                id,
                Fixtures.account(n),
                note: Fixtures.note(id),
                welcome: Fixtures.welcome(id, email: "welcome\(base + n)@example.org")
            )
        }
    }

    static func id(_ n: Int) -> AccountID {
        guard let id = AccountID(number: n) else { preconditionFailure("bad fixture id") }
        return id
    }
}

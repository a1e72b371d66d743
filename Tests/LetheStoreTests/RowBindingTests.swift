import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import LetheTestSupport
import Testing

/// Sealed values are bound to their row and its revision (docs/encryption.md, format 0x02): tampering by
/// someone with write access to the database, on either engine.
@Suite("Values bound to their rows")
struct RowBindingTests {
    /// One customer with two addresses, for the swaps.
    static func customerWithTwoAddresses(_ store: SQLStore) async throws -> AccountID {
        let id = Fixtures.id(1)
        var new = Fixtures.account(1)
        new.addresses.append(
            PostalAddress(
                label: "work",
                line1: "9 Tinker Row",
                city: "Sampleford",
                postalCode: "SF3 9TR",
                country: "GB"
            )
        )
        try await store.createAccount(
            id,
            new,
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "a@example.org")
        )
        return id
    }

    static func blob(_ store: SQLStore, _ sql: String, _ arguments: [String] = []) async throws -> Data {
        try #require(try await store.storedRows(sql, arguments).first?.values.first?.blob)
    }

    @Test("a value swapped between two rows of one customer no longer opens", arguments: Backend.allCases)
    func swapWithinCustomer(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = try await Self.customerWithTwoAddresses(store)
        #expect(try await store.account(id)?.addresses.count == 2)
        let rows = try await store.storedRows("SELECT id, line1 FROM addresses ORDER BY id")
        let ids = rows.compactMap { $0["id"]?.integer }
        let home = try #require(rows.first?["line1"]?.blob)
        let work = try #require(rows.last?["line1"]?.blob)
        try await store.tamper("UPDATE addresses SET line1 = ? WHERE id = ?", [.blob(work), .integer(ids[0])])
        try await store.tamper("UPDATE addresses SET line1 = ? WHERE id = ?", [.blob(home), .integer(ids[1])])
        let error = await #expect(throws: CryptoError.self) { try await store.account(id) }
        #expect(error?.isIntegrityFailure == true)
    }

    @Test(
        "an earlier value restored into its row no longer opens, with or without its old reference",
        arguments: Backend.allCases
    )
    func rollbackWithinRow(backend: Backend) async throws {
        let subject = try await StoreUnderTest.make(backend)
        defer { subject.close() }
        let store = subject.store
        let id = Fixtures.id(1)
        try await store.createAccount(
            id,
            Fixtures.account(1),
            note: Fixtures.note(id),
            welcome: Fixtures.welcome(id, email: "a@example.org")
        )
        let key = [id.description]
        let oldEmail = try await Self.blob(store, "SELECT email FROM accounts WHERE id = ?", key)
        let oldReference = try await Self.blob(store, "SELECT seal_ref FROM accounts WHERE id = ?", key)
        try await store.updateAccount(
            id,
            changes: [.email("zelda.new@example.org")],
            note: Fixtures.note(id, fields: ["email"]),
            notification: nil
        )
        #expect(try await store.account(id)?.email == "zelda.new@example.org")
        // Every sealed column of the row moved to a new reference with the change, not only the email.
        #expect(try await Self.blob(store, "SELECT seal_ref FROM accounts WHERE id = ?", key) != oldReference)
        let current = try await store.storedRows("SELECT email, seal_ref FROM accounts WHERE id = ?", key)
        try await store.tamper("UPDATE accounts SET email = ? WHERE id = ?", [.blob(oldEmail), .text(id.description)])
        await #expect(throws: CryptoError.self) { try await store.account(id) }
        // Restoring the old reference too leaves the other columns, re-sealed under the new one, unopenable.
        try await store.tamper(
            "UPDATE accounts SET seal_ref = ? WHERE id = ?",
            [.blob(oldReference), .text(id.description)]
        )
        await #expect(throws: CryptoError.self) { try await store.account(id) }
        // Put back as it was, the row opens again: the refusals were about the tampering alone.
        let email = try #require(current.first?["email"]?.blob)
        let reference = try #require(current.first?["seal_ref"]?.blob)
        try await store.tamper(
            "UPDATE accounts SET email = ?, seal_ref = ? WHERE id = ?",
            [.blob(email), .blob(reference), .text(id.description)]
        )
        #expect(try await store.account(id)?.email == "zelda.new@example.org")
    }

    /// A value as a build before row binding sealed it: format 0x01, under the customer's data key.
    static func unbound(
        _ text: String,
        _ location: FieldLocation,
        owner: String,
        store: SQLStore,
        keyring: MasterKeyring
    ) async throws -> Data {
        let row = try #require(
            try await store.storedRows(
                "SELECT key_id, key_version, master_version, sealed FROM data_keys WHERE account_id = ?",
                [owner]
            ).first
        )
        let wrapped = WrappedDataKey(
            customerID: owner,
            id: DataKeyID(
                keyID: UInt32(try #require(row["key_id"]?.integer)),
                version: UInt16(try #require(row["key_version"]?.integer))
            ),
            masterVersion: UInt32(try #require(row["master_version"]?.integer)),
            sealed: Array(try #require(row["sealed"]?.blob))
        )
        let cipher = try FieldCipher(dataKey: try keyring.unwrap(wrapped), keyID: wrapped.id, customerID: owner)
        return Data(try cipher.seal(text, at: location))
    }

    @Test(
        "values sealed before row binding are re-sealed bound to their rows, once, and an unbound value slipped in later is refused",
        arguments: Backend.allCases
    )
    func legacyValuesRebound(backend: Backend) async throws {
        let keyring = try MasterKeyring.generate()
        let subject = try await StoreUnderTest.make(backend, keyring: keyring)
        defer { subject.close() }
        let store = subject.store
        let id = try await Self.customerWithTwoAddresses(store)
        let owner = id.description
        func legacy(_ text: String, _ location: FieldLocation) async throws -> StoredValue {
            .blob(try await Self.unbound(text, location, owner: owner, store: store, keyring: keyring))
        }
        // The account and its first address as a build before row binding left them.
        try await store.tamper(
            "UPDATE accounts SET full_name = ?, email = ?, phone = ?, date_of_birth = ?, security_answer = ?, notification_settings = ?, seal_ref = NULL WHERE id = ?",
            [
                try await legacy("Zelda Legacy", EncryptedField.fullName),
                try await legacy("zelda.quimby1@example.org", EncryptedField.email),
                try await legacy("+442079460001", EncryptedField.phone),
                try await legacy("1988-04-17", EncryptedField.dateOfBirth),
                try await legacy("Marmalade the cat", EncryptedField.securityAnswer),
                try await legacy("{\"email\":true,\"sms\":false}", EncryptedField.notificationSettings),
                .text(owner),
            ]
        )
        let first = try #require(
            try await store.storedRows("SELECT MIN(id) AS id FROM addresses").first?["id"]?.integer
        )
        try await store.tamper(
            "UPDATE addresses SET line1 = ?, line2 = NULL, city = ?, postal_code = ?, seal_ref = NULL WHERE id = ?",
            [
                try await legacy("1 Old Quillfeather Lane", EncryptedField.line1),
                try await legacy("Exampleton", EncryptedField.city),
                try await legacy("EX1 2QZ", EncryptedField.postalCode),
                .integer(first),
            ]
        )
        // Unbound values are refused where bound ones are expected: no downgrade.
        await #expect(throws: CryptoError.self) { try await store.account(id) }

        let report = try await store.bindSealedValuesToRows(pageSize: 1)
        #expect(report.resealed == ["accounts": 1, "addresses": 1])
        let account = try #require(try await store.account(id))
        #expect(account.fullName == "Zelda Legacy")
        #expect(account.addresses.first?.address.line1 == "1 Old Quillfeather Lane")
        #expect(account.preferences.notifications == ["email": true, "sms": false])
        #expect(try await store.securityAnswer(id) == "Marmalade the cat")
        let formats = try await store.storedRows("SELECT full_name, email, security_answer FROM accounts").flatMap {
            $0.values.compactMap { $0.blob?.first }
        }
        #expect(
            formats == [FieldCiphertext.formatRowBound, FieldCiphertext.formatRowBound, FieldCiphertext.formatRowBound]
        )
        // A second pass finds nothing to do.
        #expect(try await store.bindSealedValuesToRows().total == 0)

        // Once a pass has completed, even a row put back wholly as it was before (every value unbound, no
        // reference) is not re-sealed by a later start: it stays refused.
        let bound = try #require(
            try await store.storedRows(
                "SELECT line1, city, postal_code, seal_ref FROM addresses ORDER BY id LIMIT 1"
            ).first
        )
        try await store.tamper(
            "UPDATE addresses SET line1 = ?, city = ?, postal_code = ?, seal_ref = NULL WHERE id = ?",
            [
                try await legacy("1 Old Quillfeather Lane", EncryptedField.line1),
                try await legacy("Exampleton", EncryptedField.city),
                try await legacy("EX1 2QZ", EncryptedField.postalCode),
                .integer(first),
            ]
        )
        #expect(try await store.bindSealedValuesToRows().total == 0)
        await #expect(throws: CryptoError.self) { try await store.account(id) }
        try await store.tamper(
            "UPDATE addresses SET line1 = ?, city = ?, postal_code = ?, seal_ref = ? WHERE id = ?",
            [
                try #require(bound["line1"]), try #require(bound["city"]), try #require(bound["postal_code"]),
                try #require(bound["seal_ref"]), .integer(first),
            ]
        )
        #expect(try await store.account(id)?.addresses.first?.address.line1 == "1 Old Quillfeather Lane")

        // An old unbound value put into a bound row is not laundered by a later pass: it stays refused.
        try await store.tamper(
            "UPDATE accounts SET email = ? WHERE id = ?",
            [try await legacy("attacker@example.org", EncryptedField.email), .text(owner)]
        )
        #expect(try await store.bindSealedValuesToRows().total == 0)
        let error = await #expect(throws: CryptoError.self) { try await store.account(id) }
        #expect(error?.isIntegrityFailure == true)
    }
}

import Testing

@testable import LetheCrypto

@Suite("Blind indexes")
struct BlindIndexTests {
    @Test(
        "Emails are trimmed and case-folded; malformed ones refused",
        arguments: [
            (" J.Doe@Example.COM ", "j.doe@example.com"), ("a@b.co", "a@b.co"),
        ]
    )
    func emails(input: String, normalised: String) throws {
        #expect(try BlindIndex.normaliseEmail(input) == normalised)
    }

    @Test(
        "Malformed emails are refused",
        arguments: ["", "no-at-sign", "@example.com", "a@b", "a@.com", "a b@c.com", "a@b@c.com"]
    )
    func badEmails(input: String) {
        #expect(throws: NormalisationError.invalidEmail) { try BlindIndex.normaliseEmail(input) }
    }

    @Test(
        "Phones become E.164",
        arguments: [
            ("+44 20 7946 0958", "+442079460958"), ("0044 (20) 7946-0958", "+442079460958"),
            ("+1.415.555.0100", "+14155550100"),
        ]
    )
    func phones(input: String, normalised: String) throws {
        #expect(try BlindIndex.normalisePhone(input) == normalised)
    }

    @Test(
        "Phones without a country code, or with letters, are refused",
        arguments: ["020 7946 0958", "+44 20 7946 O958", "+123", "+0441234567"]
    )
    func badPhones(input: String) {
        #expect(throws: NormalisationError.invalidPhone) { try BlindIndex.normalisePhone(input) }
    }

    @Test("Equivalent values share a token; fields, keys and lengths separate them")
    func tokens() throws {
        let keyring = try MasterKeyring.generate()
        let email = FieldLocation(record: "contact", field: "email")
        let requester = FieldLocation(record: "privacy-request", field: "requester-email")
        let index = try BlindIndex(
            key: keyring.purposeKey(.blindIndex(record: "contact", field: "email")),
            location: email
        )
        let a = try index.token(email: "Jane.Doe@Example.com")
        #expect(a == (try index.token(email: " jane.doe@example.com")))
        #expect(a.count == 16)
        #expect(a != (try index.token(email: "john.doe@example.com")))
        let sameKeyOtherField = try BlindIndex(
            key: keyring.purposeKey(.blindIndex(record: "contact", field: "email")),
            location: requester
        )
        #expect(a != (try sameKeyOtherField.token(email: "jane.doe@example.com")))
        let otherKeyring = try BlindIndex(
            key: MasterKeyring.generate().purposeKey(.blindIndex(record: "contact", field: "email")),
            location: email
        )
        #expect(a != (try otherKeyring.token(email: "jane.doe@example.com")))
        let short = try BlindIndex(
            key: keyring.purposeKey(.blindIndex(record: "contact", field: "email")),
            location: email,
            length: 8
        )
        #expect(try short.token(email: "jane.doe@example.com") == Array(a.prefix(8)))
    }
}

import Foundation

/// The fields a customer can ask to have corrected: the account's own personal data, each applied
/// through the verified account-change workflow when an officer accepts the request.
///
/// Orders, payment cards and support transcripts are records of what happened and are not rewritten on
/// request; a customer who disputes them is answered by an officer (refused with a reason, or completed
/// by hand with a note).
public enum CorrectableField: String, CaseIterable, Sendable, Codable {
    /// The name on the account.
    case fullName = "full-name"
    /// The registered email address.
    case email
    /// The phone number.
    case phone
    /// One postal address on the account, named by its id.
    case address
}

/// What a correction request asks (GDPR Art 16, CCPA §1798.106 and the state laws' right to correct):
/// the field, the value the customer says is accurate, and what they offer in support of it.
///
/// The value and the statement are personal data: the store keeps them sealed under the subject's key,
/// bound to the request's row, so erasing the customer shreds them with everything else.
///
/// ```swift
/// let correction = Correction(.fullName("Ada King"), statement: "My name changed on marriage.")
/// correction.field          // .fullName
/// correction.accountChange  // .fullName("Ada King"), what the account workflow applies
/// ```
public struct Correction: Hashable, Sendable, Codable {
    /// The corrected value, typed by field.
    public enum Value: Hashable, Sendable, Codable {
        /// The accurate full name.
        case fullName(String)
        /// The accurate email address.
        case email(String)
        /// The accurate phone number.
        case phone(String)
        /// The accurate form of the address with this id.
        case address(id: Int64, PostalAddress)

        /// The value of a one-line field (name, email or phone) as a form or command gives it; nil for an
        /// address, which needs its id and its parts.
        public init?(_ field: CorrectableField, text: String) {
            switch field {
            case .fullName: self = .fullName(text)
            case .email: self = .email(text)
            case .phone: self = .phone(text)
            case .address: return nil
            }
        }
    }

    /// The value the customer says is accurate.
    public let value: Value
    /// What the customer says in support (e.g. "my name changed on marriage"); optional.
    public let statement: String?

    /// A correction of one field, with an optional supporting statement.
    public init(_ value: Value, statement: String? = nil) {
        self.value = value
        let trimmed = statement?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.statement = (trimmed?.isEmpty ?? true) ? nil : trimmed
    }

    /// The longest supporting statement accepted: a paragraph, not a document.
    public static let maxStatementLength = 2000

    /// The field the correction is about.
    public var field: CorrectableField {
        switch value {
        case .fullName: return .fullName
        case .email: return .email
        case .phone: return .phone
        case .address: return .address
        }
    }

    /// The account change that applies the correction.
    public var accountChange: AccountChange {
        switch value {
        case .fullName(let name): return .fullName(name)
        case .email(let email): return .email(email)
        case .phone(let phone): return .phone(phone)
        case .address(let id, let address): return .replaceAddress(id: id, address)
        }
    }

    /// The accurate value in one line, for the officer who decides the request (an address as its parts
    /// joined with commas). Personal data: for screens staff are allowed to see, never for logs.
    public var shownValue: String {
        switch value {
        case .fullName(let text), .email(let text), .phone(let text): return text
        case .address(let id, let address):
            let parts = [address.line1, address.line2, address.city, address.postalCode, address.country]
            return "address \(id): " + parts.compactMap { $0 }.joined(separator: ", ")
        }
    }

    /// Whether `account` already holds the corrected value, so applying it again would change nothing.
    /// This is what makes processing a correction idempotent: a job that ran, crashed and runs again
    /// finds the value in place and writes no second note or notice.
    public func isHeld(by account: Account) -> Bool {
        switch value {
        case .fullName(let name): return account.fullName == name
        case .email(let email): return account.email == email
        case .phone(let phone): return account.phone == phone
        case .address(let id, let address):
            guard let held = account.addresses.first(where: { $0.id == id }) else { return false }
            return held.address == address
        }
    }
}

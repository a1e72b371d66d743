import Foundation
import LetheCore
import LetheStore

/// Checks on personal values before anything is stored: no control characters (a NUL would be sealed,
/// indexed and mailed as given, and truncated by some readers), and dates of birth that can be true.
enum PersonalFieldCheck {
    /// The oldest date of birth accepted: older than any living person.
    static let earliestBirth = LocalDate(year: 1900, month: 1, day: 1)

    /// Refuses `value` if it holds a control character (C0, DEL or C1).
    ///
    /// - Throws: ``AccountError/invalid(field:reason:)`` naming the field, never the value.
    static func text(_ value: String?, field: String) throws {
        guard let value, value.containsControlCharacter else {
            return
        }
        throw AccountError.invalid(field: field, reason: "must not contain control characters")
    }

    /// Refuses every control character in an address.
    static func address(_ address: PostalAddress) throws {
        try text(address.label, field: "address.label")
        try text(address.line1, field: "address.line1")
        try text(address.line2, field: "address.line2")
        try text(address.city, field: "address.city")
        try text(address.postalCode, field: "address.postal-code")
        try text(address.country, field: "address.country")
    }

    /// Refuses a date of birth later than today anywhere on Earth (UTC+14, the earliest zone to reach a
    /// new day, so nobody is refused for being born today where they live) or before 1900.
    static func dateOfBirth(_ date: LocalDate?, now: Date) throws {
        guard let date else { return }
        let today = LocalDate(instant: now, in: TimeZone(secondsFromGMT: 14 * 3600) ?? .gmt)
        if date > today { throw AccountError.invalid(field: "date-of-birth", reason: "must not be in the future") }
        if let earliest = earliestBirth, date < earliest {
            throw AccountError.invalid(field: "date-of-birth", reason: "must be in 1900 or later")
        }
    }

    /// The checks that apply to one change.
    static func change(_ change: AccountChange) throws {
        switch change {
        case .fullName(let name): try text(name, field: "full-name")
        case .addAddress(let address), .replaceAddress(_, let address): try self.address(address)
        case .subscription(let plan): try text(plan, field: "subscription")
        case .email, .phone, .removeAddress, .addPaymentMethod, .removePaymentMethod, .preferences, .status:
            // Email and phone are normalised (which refuses control characters); the rest are typed.
            return
        }
    }
}

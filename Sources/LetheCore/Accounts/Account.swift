import Foundation

/// Where an account stands.
public enum AccountStatus: String, CaseIterable, Sendable, Codable {
    /// In normal use: the customer may sign in and the account is processed.
    case active
    /// Suspended at the customer's request: kept, but sign-in refused (GDPR Art 18).
    case deactivated
    /// A verified deletion is in its grace period.
    case pendingDeletion = "pending-deletion"

    /// Whether the customer may hold a privacy-center session: not while deactivated (GDPR Art 18
    /// restriction at their request). During a deletion's grace period they may still follow it.
    public var allowsCustomerSignIn: Bool { self != .deactivated }
}

/// A postal address as the customer gave it.
public struct PostalAddress: Hashable, Sendable, Codable {
    /// The customer's own name for the address, e.g. "home" or "work"; stored in plain text.
    public var label: String
    /// The first address line (street and number); personal, stored encrypted.
    public var line1: String
    /// An optional second line (flat, building); personal, stored encrypted.
    public var line2: String?
    /// The town or city; personal, stored encrypted.
    public var city: String
    /// The postcode or ZIP code; personal, stored encrypted.
    public var postalCode: String
    /// ISO 3166-1 alpha-2; not personal on its own.
    public var country: String

    /// An address from its parts, as the customer entered them.
    public init(label: String, line1: String, line2: String? = nil, city: String, postalCode: String, country: String) {
        self.label = label
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.postalCode = postalCode
        self.country = country
    }
}

/// What can be shown of a stored card: never the number.
public struct PaymentMethodSummary: Hashable, Sendable, Codable {
    /// The payment method's row id, so a change or removal can name it.
    public let id: Int64
    /// The card network (a ``CardBrand`` raw value such as `visa`); not personal on its own.
    public let brand: String
    /// The last four digits of the card number, the most that is ever shown.
    public let last4: String
    /// The expiry as stored (`MM/YYYY`); part of the encrypted payment fields.
    public let expiry: String

    /// A summary read back from a stored card.
    public init(id: Int64, brand: String, last4: String, expiry: String) {
        self.id = id
        self.brand = brand
        self.last4 = last4
        self.expiry = expiry
    }
}

/// Settings the customer controls.
public struct Preferences: Hashable, Sendable, Codable {
    /// The language for notices and pages, as a language code such as `en`.
    public var language: String
    /// Notification channel → enabled, e.g. `["email": true, "sms": false]`.
    public var notifications: [String: Bool]
    /// The subscription plan, if any.
    public var subscription: String?

    /// Preferences with English, email notifications on and no subscription by default.
    public init(language: String = "en", notifications: [String: Bool] = ["email": true], subscription: String? = nil) {
        self.language = language
        self.notifications = notifications
        self.subscription = subscription
    }
}

/// A customer account as a caller with the right to see it in full reads it (decrypted).
public struct Account: Hashable, Sendable, Codable {
    /// The account number (`TR-` and five digits); never changes.
    public let id: AccountID
    /// Whether the account is active, deactivated at the customer's request, or awaiting deletion.
    public var status: AccountStatus
    /// The customer's full name; personal, stored encrypted.
    public var fullName: String
    /// The customer's email address, normalised; stored encrypted, found by its blind index.
    public var email: String
    /// The phone number in E.164 form, if given; stored encrypted with a blind index.
    public var phone: String?
    /// The date of birth, if given; used to verify identity and stored encrypted.
    public var dateOfBirth: LocalDate?
    /// The jurisdiction id whose law governs the customer's requests.
    public var residence: String
    /// Postal addresses on the account, each with its row id.
    public var addresses: [StoredAddress]
    /// Stored cards, shown only as brand, last four digits and expiry.
    public var paymentMethods: [PaymentMethodSummary]
    /// Language, notification settings and subscription.
    public var preferences: Preferences
    /// A promotional code attached to the account, if any; not personal.
    public var promoCode: String?
    /// When the account was opened.
    public let createdAt: Date
    /// When the account was last changed.
    public var updatedAt: Date
    /// The customer's last sign-in or activity; the trigger for inactivity retention rules.
    public var lastActivityAt: Date?
    /// Whether a password (its hash) is held; the hash itself is never part of an account value.
    public var holdsPassword: Bool
    /// Whether a security answer (sealed) is held; the answer is never disclosed, only that it is held.
    public var holdsSecurityAnswer: Bool

    /// An account value from its decrypted fields, as the store reads it back.
    public init(
        id: AccountID,
        status: AccountStatus,
        fullName: String,
        email: String,
        phone: String?,
        dateOfBirth: LocalDate?,
        residence: String,
        addresses: [StoredAddress],
        paymentMethods: [PaymentMethodSummary],
        preferences: Preferences,
        promoCode: String?,
        createdAt: Date,
        updatedAt: Date,
        lastActivityAt: Date?,
        holdsPassword: Bool = false,
        holdsSecurityAnswer: Bool = false
    ) {
        self.id = id
        self.status = status
        self.fullName = fullName
        self.email = email
        self.phone = phone
        self.dateOfBirth = dateOfBirth
        self.residence = residence
        self.addresses = addresses
        self.paymentMethods = paymentMethods
        self.preferences = preferences
        self.promoCode = promoCode
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastActivityAt = lastActivityAt
        self.holdsPassword = holdsPassword
        self.holdsSecurityAnswer = holdsSecurityAnswer
    }
}

/// An address with its row id, so a change can name which one.
public struct StoredAddress: Hashable, Sendable, Codable {
    /// The address's row id.
    public let id: Int64
    /// The address itself.
    public var address: PostalAddress

    /// Pairs an address with its row id.
    public init(id: Int64, address: PostalAddress) {
        self.id = id
        self.address = address
    }
}

/// An order, as recorded against an account: given without an id to record it, read back with its row id.
/// Items and the shipping address are personal and stored encrypted.
public struct Order: Hashable, Sendable, Codable {
    /// The order's row id; nil until it is recorded.
    public let id: Int64?
    /// When the order was placed: the start of its tax-retention period.
    public let placedAt: Date
    /// The order total in minor units of ``currency`` (cents, pence).
    public let totalCents: Int64
    /// The ISO 4217 currency code, e.g. `EUR`.
    public let currency: String
    /// The order's fulfilment status as the shop records it; not personal.
    public let status: String
    /// What was ordered, as text; personal (it can reveal habits), stored encrypted.
    public let items: String
    /// Where it was sent, as one line of text; personal, stored encrypted.
    public let shippingAddress: String?

    /// An order from its stored fields.
    public init(
        id: Int64? = nil,
        placedAt: Date,
        totalCents: Int64,
        currency: String,
        status: String,
        items: String,
        shippingAddress: String?
    ) {
        self.id = id
        self.placedAt = placedAt
        self.totalCents = totalCents
        self.currency = currency
        self.status = status
        self.items = items
        self.shippingAddress = shippingAddress
    }
}

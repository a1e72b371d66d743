import Foundation

/// Where an account stands.
public enum AccountStatus: String, CaseIterable, Sendable, Codable {
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
    public var label: String
    public var line1: String
    public var line2: String?
    public var city: String
    public var postalCode: String
    /// ISO 3166-1 alpha-2; not personal on its own.
    public var country: String

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
    public let id: Int64
    public let brand: String
    public let last4: String
    public let expiry: String

    public init(id: Int64, brand: String, last4: String, expiry: String) {
        self.id = id
        self.brand = brand
        self.last4 = last4
        self.expiry = expiry
    }
}

/// Settings the customer controls.
public struct Preferences: Hashable, Sendable, Codable {
    public var language: String
    /// Notification channel → enabled, e.g. `["email": true, "sms": false]`.
    public var notifications: [String: Bool]
    /// The subscription plan, if any.
    public var subscription: String?

    public init(language: String = "en", notifications: [String: Bool] = ["email": true], subscription: String? = nil) {
        self.language = language
        self.notifications = notifications
        self.subscription = subscription
    }
}

/// A customer account as a caller with the right to see it in full reads it (decrypted).
public struct Account: Hashable, Sendable, Codable {
    public let id: AccountID
    public var status: AccountStatus
    public var fullName: String
    public var email: String
    public var phone: String?
    public var dateOfBirth: LocalDate?
    /// The jurisdiction id whose law governs the customer's requests.
    public var residence: String
    public var addresses: [StoredAddress]
    public var paymentMethods: [PaymentMethodSummary]
    public var preferences: Preferences
    public var promoCode: String?
    public let createdAt: Date
    public var updatedAt: Date
    public var lastActivityAt: Date?
    /// Whether a password (its hash) is held; the hash itself is never part of an account value.
    public var holdsPassword: Bool
    /// Whether a security answer (sealed) is held; the answer is never disclosed, only that it is held.
    public var holdsSecurityAnswer: Bool

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
    public let id: Int64
    public var address: PostalAddress

    public init(id: Int64, address: PostalAddress) {
        self.id = id
        self.address = address
    }
}

/// An order line summary; items and the shipping address are personal and stored encrypted.
public struct OrderRecord: Hashable, Sendable, Codable {
    public let id: Int64
    public let placedAt: Date
    public let totalCents: Int64
    public let currency: String
    public let status: String
    public let items: String
    public let shippingAddress: String?

    public init(
        id: Int64,
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

import Foundation

/// A kind of data Lethe holds, as a privacy officer would list it in a record of processing.
public enum DataCategory: String, CaseIterable, Sendable, Codable {
    /// Name, date of birth, credentials, account status and the notes on changes to the account.
    case identity
    /// Email address and phone number.
    case contact
    /// Postal addresses.
    case address
    /// Stored payment cards.
    case payment
    /// Language, notification settings, subscription, promo code.
    case preferences
    /// The consent ledger: what was agreed or withdrawn, when and how.
    case consent
    /// Orders, kept for tax and accounting law.
    case orders
    /// Support conversations and their transcripts.
    case supportHistory = "support-history"
    /// Sign-in and security events (IP addresses, user agents).
    case securityLogs = "security-logs"
    /// Export files made for access and portability requests.
    case exportBundles = "export-bundles"
    /// The record of each privacy request, kept as evidence of compliance.
    case requestRecords = "request-records"
    /// Notices and messages sent to customers (the outbox).
    case notifications
    /// Blind-index tokens that keep an erased customer erased after a restore.
    case suppression
    /// The tamper-evident audit trail itself.
    case auditTrail = "audit-trail"
}

/// What happens to data when its retention period ends.
public enum RetentionAction: String, CaseIterable, Sendable, Codable {
    /// Deleted outright (and its key shredded where it has one).
    case erase
    /// Identifiers removed so the rest no longer relates to a person.
    case anonymise
    /// Kept because a law requires it, reduced to the fields that law needs.
    case keepMinimised = "keep-minimised"
}

/// The event from which a retention period runs.
public enum RetentionTrigger: String, CaseIterable, Sendable, Codable {
    /// A verified deletion request (the grace period starts).
    case deletionVerified = "deletion-verified"
    /// The account's last sign-in or activity.
    case lastActivity = "last-activity"
    /// The record was created.
    case created
    /// The record expired (one-time codes, sessions, export links).
    case expired
    /// The request the record belongs to was closed.
    case requestClosed = "request-closed"
    /// The account was erased.
    case accountErased = "account-erased"
}

/// How long one category of data may be kept, why, and what happens at the end.
public struct RetentionRule: Hashable, Sendable {
    /// The rule's id in `retention.yaml`, named in purge reports.
    public let id: String
    /// The category of data it governs.
    public let category: DataCategory
    /// The event the period runs from.
    public let trigger: RetentionTrigger
    /// How long the data is kept after the trigger (days, months or years).
    public let period: Period
    /// What happens when the period ends.
    public let action: RetentionAction
    /// Why the data may or must be kept that long.
    public let legalBasis: String
    /// The legal source of the period.
    public let citation: String
    /// Set when the law is silent and the period is the controller's choice.
    public let convention: String?

    /// A rule from its parsed fields.
    public init(
        id: String,
        category: DataCategory,
        trigger: RetentionTrigger,
        period: Period,
        action: RetentionAction,
        legalBasis: String,
        citation: String,
        convention: String?
    ) {
        self.id = id
        self.category = category
        self.trigger = trigger
        self.period = period
        self.action = action
        self.legalBasis = legalBasis
        self.citation = citation
        self.convention = convention
    }

    /// The latest trigger instant that is due at `asOf`: a record whose trigger (creation, expiry,
    /// closure, erasure) is at or before the cutoff has served its full period.
    ///
    /// Retention runs in exact time, not in a local calendar: days are 86,400 seconds; months and years
    /// step back to the same UTC clock time on the corresponding date, and where that date does not exist
    /// (31 March back to February) the shorter month's last day is used, so a record is never erased
    /// before its full period has passed. Business days are refused when the policy loads.
    public func cutoff(asOf: Date) -> Date {
        period.before(asOf)
    }
}

extension Period {
    /// `instant` moved back by this period (see ``RetentionRule/cutoff(asOf:)``).
    public func before(_ instant: Date) -> Date {
        switch self {
        case .immediate: return instant
        case .days(let n), .businessDays(let n): return instant.addingTimeInterval(-Double(n) * 86_400)
        case .months(let n): return Self.stepMonths(-n, from: instant)
        case .years(let n): return Self.stepMonths(-12 * n, from: instant)
        }
    }

    private static func stepMonths(_ months: Int, from instant: Date) -> Date {
        let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        let day = LocalDate(instant: instant, in: utc)
        let startOfDay = Double(day.daysSinceEpoch) * 86_400
        let timeOfDay = instant.timeIntervalSince1970 - startOfDay
        let moved = day.adding(months: months)
        return Date(timeIntervalSince1970: Double(moved.daysSinceEpoch) * 86_400 + timeOfDay)
    }
}

/// Whether a field holds personal or payment data, which decides if it is encrypted at rest.
public enum FieldSensitivity: String, CaseIterable, Sendable, Codable {
    /// About an identifiable person: encrypted under the customer's key.
    case personal
    /// Card data: encrypted, and never shown in full.
    case payment
    /// Not about an identifiable person on its own (ids, timestamps, status codes).
    case nonPersonal = "non-personal"

    /// Personal and payment fields are only ever written as ciphertext.
    public var isEncryptedAtRest: Bool { self != .nonPersonal }
}

/// Where one stored field belongs and how it must be protected.
public struct FieldClassification: Hashable, Sendable {
    /// The record type, e.g. `contact`, as in `classification.yaml` and each field's associated data.
    public let record: String
    /// The field within the record, e.g. `email`.
    public let field: String
    /// The category the field belongs to, for retention and exports.
    public let category: DataCategory
    /// Whether the field is encrypted at rest.
    public let sensitivity: FieldSensitivity
    /// Whether a keyed blind index is kept for exact-match lookup (e.g. email).
    public let blindIndex: Bool
    /// Whether the field is sensitive personal information (Cal. Civ. Code §1798.140(ae)): its use can be
    /// limited to what is necessary (§1798.121), and the privacy center names it when it offers that.
    public var sensitive = false
    /// Whether an access bundle reports only that the field is held, never its value (Connecticut's
    /// amendment by SB 1295, from 2026-07-01; 11 CCR §7024(d) for credentials).
    public var heldOnly = false

    /// The fields an access bundle knows how to withhold (the exporter's list, kept here so the policy
    /// check refuses `held-only` on a field a bundle would still show).
    public static let withholdable: Set<String> = [
        "account.full-name", "contact.email", "contact.phone", "address.line1", "address.line2", "address.city",
        "address.postal-code", "account.password-hash", "account.security-answer", "payment-method.card-number",
    ]
}

/// How an access bundle treats a field: its value, or only that it is held.
public enum AccessDisclosure: String, Sendable, CaseIterable {
    /// The value is disclosed (the default).
    case full
    /// Only whether the field is held is disclosed.
    case heldOnly = "held-only"
}

/// An order to keep data despite any rule or request that would erase it (GDPR Art 17(3)(e)).
public struct LegalHold: Hashable, Sendable, Codable {
    /// The hold's id.
    public let id: String
    /// The account held.
    public let accountID: AccountID
    /// The categories held; empty means every category.
    public let categories: Set<DataCategory>
    /// Why the data must be kept (a case or an inquiry); may name people, so stored encrypted.
    public let reason: String
    /// Who placed it and answers for it (staff id).
    public let owner: String
    /// When the hold took effect.
    public let placedAt: Date
    /// When it was released; `nil` while it stands.
    public let releasedAt: Date?

    /// A hold as placed by an officer, or read back from the store.
    public init(
        id: String,
        accountID: AccountID,
        categories: Set<DataCategory>,
        reason: String,
        owner: String,
        placedAt: Date,
        releasedAt: Date? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.categories = categories
        self.reason = reason
        self.owner = owner
        self.placedAt = placedAt
        self.releasedAt = releasedAt
    }

    /// Whether the hold forbids erasing `category` of `account` at `instant`.
    public func blocks(_ category: DataCategory, of account: AccountID, at instant: Date) -> Bool {
        guard account == accountID, placedAt <= instant else { return false }
        if let releasedAt, releasedAt <= instant { return false }
        return categories.isEmpty || categories.contains(category)
    }
}

/// Something a customer can consent to or withdraw from, as `Policies/purposes.yaml` defines it.
public struct ConsentPurpose: Hashable, Sendable, Codable {
    /// The purpose id in lower-case words joined by hyphens, e.g. `marketing-email`.
    public let id: String
    /// The purpose as the customer reads it.
    public let name: String
    /// The legal basis and citation.
    public let basis: String
    /// Whether a browser opt-out preference signal (GPC) withdraws it.
    public let withdrawnByOptOutSignal: Bool
    /// The statutory clock a withdrawal of this purpose alone runs on, where the law has one (the right to
    /// limit the use of sensitive personal information, `limit-sensitive-use`); nil for the kind's default.
    public var withdrawalClock: DeadlineKind? = nil

    /// A purpose from its parsed fields.
    public init(id: String, name: String, basis: String, withdrawnByOptOutSignal: Bool) {
        self.id = id
        self.name = name
        self.basis = basis
        self.withdrawnByOptOutSignal = withdrawnByOptOutSignal
    }
}

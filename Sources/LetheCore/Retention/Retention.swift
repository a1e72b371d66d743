import Foundation

/// A kind of data Lethe holds, as a privacy officer would list it in a record of processing.
public enum DataCategory: String, CaseIterable, Sendable, Codable {
    case identity
    case contact
    case address
    case payment
    case preferences
    case consent
    case orders
    case supportHistory = "support-history"
    case securityLogs = "security-logs"
    case exportBundles = "export-bundles"
    case requestRecords = "request-records"
    case notifications
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
    public let id: String
    public let category: DataCategory
    public let trigger: RetentionTrigger
    public let period: Period
    public let action: RetentionAction
    public let legalBasis: String
    public let citation: String
    /// Set when the law is silent and the period is the controller's choice.
    public let convention: String?

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
    case personal
    case payment
    /// Not about an identifiable person on its own (ids, timestamps, status codes).
    case nonPersonal = "non-personal"

    /// Personal and payment fields are only ever written as ciphertext.
    public var isEncryptedAtRest: Bool { self != .nonPersonal }
}

/// Where one stored field belongs and how it must be protected.
public struct FieldClassification: Hashable, Sendable {
    public let record: String
    public let field: String
    public let category: DataCategory
    public let sensitivity: FieldSensitivity
    /// Whether a keyed blind index is kept for exact-match lookup (e.g. email).
    public let blindIndex: Bool
}

/// An order to keep data despite any rule or request that would erase it (GDPR Art 17(3)(e)).
public struct LegalHold: Hashable, Sendable, Codable {
    public let id: String
    /// The account held.
    public let accountID: AccountID
    /// The categories held; empty means every category.
    public let categories: Set<DataCategory>
    public let reason: String
    /// Who placed it and answers for it (staff id).
    public let owner: String
    public let placedAt: Date
    public let releasedAt: Date?

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
    public let id: String
    public let name: String
    /// The legal basis and citation.
    public let basis: String
    /// Whether a browser opt-out preference signal (GPC) withdraws it.
    public let withdrawnByOptOutSignal: Bool

    public init(id: String, name: String, basis: String, withdrawnByOptOutSignal: Bool) {
        self.id = id
        self.name = name
        self.basis = basis
        self.withdrawnByOptOutSignal = withdrawnByOptOutSignal
    }
}

/// What a customer asks Lethe to do. Each kind maps to one or more statutory ``DeadlineKind``s.
public enum RequestKind: String, CaseIterable, Sendable, Codable {
    /// Access and portability: a copy of everything held (GDPR Arts 15 and 20, CCPA right to know).
    case export
    /// Giving, withdrawing or changing a consent, including opting out of sale or sharing.
    case consentChange = "consent-change"
    /// Suspending the account while keeping it (restriction of processing, GDPR Art 18).
    case deactivation
    /// Erasure of the account and its data (GDPR Art 17, CCPA §1798.105).
    case deletion

    /// The deadline kind that governs this request when nothing more specific is known.
    public var defaultDeadlineKind: DeadlineKind {
        switch self {
        case .export: return .access
        case .consentChange: return .consentWithdrawal
        case .deactivation: return .deactivation
        case .deletion: return .deletion
        }
    }

    /// The statutory clocks a request of this kind may run on: the one table that decides it.
    ///
    /// A clock carries its own verification rule (an opt-out or unsubscribe must not demand identity
    /// checks, an access or erasure must have them), so running a deletion on the unsubscribe clock would
    /// skip verification. Intake refuses any pairing not listed here.
    public var allowedDeadlineKinds: [DeadlineKind] {
        switch self {
        case .export: return [.access, .portability]
        case .consentChange: return [.consentWithdrawal, .optOutOfSale, .marketingUnsubscribe]
        case .deactivation: return [.deactivation]
        case .deletion: return [.deletion]
        }
    }
}

/// The statutory clocks, finer than ``RequestKind`` where the law distinguishes them.
public enum DeadlineKind: String, CaseIterable, Sendable, Codable {
    case access
    case portability
    case deletion
    case correction
    case optOutOfSale = "opt-out-of-sale"
    case marketingUnsubscribe = "marketing-unsubscribe"
    case consentWithdrawal = "consent-withdrawal"
    case deactivation
    case appeal
}

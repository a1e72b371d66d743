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
    /// Correction of inaccurate personal data (GDPR Art 16, CCPA §1798.106 and the state laws): the
    /// request carries a ``Correction``, applied through the verified account-change workflow when an
    /// officer accepts it.
    case correction
    /// An appeal against a refused request, where a US state law grants one (e.g. Va. Code §59.1-577(C)):
    /// linked to the request it appeals, decided by another officer where the staff allows, on its own
    /// clock. Upholding it reverses the refusal; refusing it tells the customer how to complain.
    case appeal

    /// The deadline kind that governs this request when nothing more specific is known.
    public var defaultDeadlineKind: DeadlineKind {
        switch self {
        case .export: return .access
        case .consentChange: return .consentWithdrawal
        case .deactivation: return .deactivation
        case .deletion: return .deletion
        case .correction: return .correction
        case .appeal: return .appeal
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
        case .consentChange: return [.consentWithdrawal, .optOutOfSale, .marketingUnsubscribe, .limitSensitiveUse]
        case .deactivation: return [.deactivation]
        case .deletion: return [.deletion]
        case .correction: return [.correction]
        case .appeal: return [.appeal]
        }
    }
}

/// The statutory clocks, finer than ``RequestKind`` where the law distinguishes them.
public enum DeadlineKind: String, CaseIterable, Sendable, Codable {
    /// A copy of the personal data held (GDPR Art 15, CCPA right to know).
    case access
    /// The data in a portable, machine-readable form (GDPR Art 20).
    case portability
    /// Erasure (GDPR Art 17, CCPA §1798.105).
    case deletion
    /// Rectification of inaccurate data (GDPR Art 16, CCPA §1798.106).
    case correction
    /// Opting out of sale or sharing (CCPA §1798.120); identity may not be demanded.
    case optOutOfSale = "opt-out-of-sale"
    /// Stopping marketing email (CAN-SPAM, 10 business days).
    case marketingUnsubscribe = "marketing-unsubscribe"
    /// Withdrawing consent or objecting to direct marketing (GDPR Arts 7(3), 21(3)); immediate under the GDPR.
    case consentWithdrawal = "consent-withdrawal"
    /// Restriction of processing by suspending the account (GDPR Art 18).
    case deactivation
    /// Limiting the use of sensitive personal information to what the service needs (Cal. Civ. Code
    /// §1798.121, 11 CCR §7027); identity may not be demanded.
    case limitSensitiveUse = "limit-sensitive-use"
    /// The customer's appeal against a refusal, where a US state law grants one.
    case appeal
}

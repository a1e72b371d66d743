/// How a period's end is moved when it falls on a non-working day.
public enum RollConvention: String, Sendable, Codable, CaseIterable {
    /// The date stands even on a weekend or holiday (US state calendar-day counts).
    case none
    /// Moves to the next working day (Reg 1182/71 Art 3(4); ICO guidance).
    case nextWorkingDay = "next-working-day"
}

/// Why the clock may be stopped under a regime.
public enum PauseReason: String, Sendable, Codable, CaseIterable {
    /// Waiting for clarification of what the request covers (UK GDPR Art 12A, GDPR Recital 63).
    case clarification
    /// Waiting for information needed to confirm identity (GDPR Art 12(6); EDPB Guidelines 01/2022).
    case identity
    /// Waiting for a fee the law allows (UK GDPR Art 12A).
    case fee
}

/// A period plus the legal citation that grants it.
public struct CitedPeriod: Hashable, Sendable {
    public let period: Period
    public let citation: String
    /// Set when the law is silent and the period is the controller's own choice; says what was chosen.
    public let convention: String?

    public init(period: Period, citation: String, convention: String? = nil) {
        self.period = period
        self.citation = citation
        self.convention = convention
    }
}

/// How long a request may be extended, counted from the original start (not chained).
public struct ExtensionRule: Hashable, Sendable {
    /// The whole period from receipt once extended (e.g. 3 months under the GDPR, 90 days under the CCPA).
    public let total: Period
    public let citation: String
}

/// When and why a regime lets the clock stop.
public struct PauseRule: Hashable, Sendable {
    public let reasons: Set<PauseReason>
    public let citation: String
}

/// Whether identity must be verified before acting.
public enum VerificationRequirement: String, Sendable, Codable, CaseIterable {
    case required
    /// The law forbids requiring verification (e.g. CCPA opt-out, 11 CCR §7026(d)).
    case notRequired = "not-required"
}

/// The statutory clock for one kind of request under one jurisdiction.
public struct DeadlineRule: Hashable, Sendable {
    public let kind: DeadlineKind
    public let response: CitedPeriod
    public let roll: RollConvention
    public let extensionRule: ExtensionRule?
    public let pause: PauseRule?
    public let verification: VerificationRequirement
    /// Overrides the jurisdiction's acknowledgement timer for this kind.
    public let acknowledgement: CitedPeriod?
    /// Overrides the jurisdiction's internal target for this kind.
    public let internalTarget: Period?
}

/// A regulator to whom a customer may complain; named in every denial.
public struct SupervisoryAuthority: Hashable, Sendable {
    public let name: String
    public let url: String
}

/// One legal regime: its clocks per request kind, its default calendar and time zone.
public struct Jurisdiction: Hashable, Sendable {
    public let id: String
    public let name: String
    /// The controller's time zone for this regime: the "day of receipt" is the local date there.
    public let timeZoneIdentifier: String
    /// The default holiday calendar (an EU controller may override it with its member state's).
    public let calendarID: String
    public let authority: SupervisoryAuthority
    public let acknowledgement: CitedPeriod?
    public let internalTarget: Period?
    public let rules: [DeadlineKind: DeadlineRule]
    /// How long information that was the subject of a request must be kept after the answer, so the
    /// customer can exhaust their recourse (PIPEDA s.8(8)); the purge holds it back until then.
    public let recourse: CitedPeriod?
    /// The policy file the jurisdiction came from, for messages.
    public let sourceFile: String
}

import Foundation

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
    /// How long, in the law's own unit.
    public let period: Period
    /// The legal source, as written in the policy file, so a reviewer can check it.
    public let citation: String
    /// Set when the law is silent and the period is the controller's own choice; says what was chosen.
    public let convention: String?

    /// A period with its citation, and the convention when the law left the choice to the controller.
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
    /// The legal source that allows the extension.
    public let citation: String
}

/// When and why a regime lets the clock stop.
public struct PauseRule: Hashable, Sendable {
    /// The reasons for which the clock may stop under this rule.
    public let reasons: Set<PauseReason>
    /// The legal source that allows stopping the clock.
    public let citation: String
}

/// Whether identity must be verified before acting.
public enum VerificationRequirement: String, Sendable, Codable, CaseIterable {
    /// Identity must be verified before the request is acted on.
    case required
    /// The law forbids requiring verification (e.g. CCPA opt-out, 11 CCR §7026(d)).
    case notRequired = "not-required"
}

/// The statutory clock for one kind of request under one jurisdiction.
public struct DeadlineRule: Hashable, Sendable {
    /// The kind of request this clock governs.
    public let kind: DeadlineKind
    /// The period within which the request must be answered.
    public let response: CitedPeriod
    /// Whether a due date on a non-working day moves to the next working day.
    public let roll: RollConvention
    /// How far the period may be extended; `nil` when the law allows no extension.
    public let extensionRule: ExtensionRule?
    /// When the clock may stop; `nil` when it never may.
    public let pause: PauseRule?
    /// Whether identity must be verified first; some rights forbid demanding it.
    public let verification: VerificationRequirement
    /// Overrides the jurisdiction's acknowledgement timer for this kind.
    public let acknowledgement: CitedPeriod?
    /// Overrides the jurisdiction's internal target for this kind.
    public let internalTarget: Period?
}

/// The day a law starts to apply to requests, with its source: a request received (in the law's time
/// zone) before it is not under that law.
public struct EffectiveDate: Hashable, Sendable {
    /// The first day of receipt the law governs.
    public let date: LocalDate
    /// The legal source (the act's effective-date section, or the regulator's statement).
    public let citation: String
    /// Set when the date is the controller's reading of an unclear transition; says what was chosen.
    public let convention: String?

    /// A date with its citation, and the convention when the law left the choice open.
    public init(date: LocalDate, citation: String, convention: String? = nil) {
        self.date = date
        self.citation = citation
        self.convention = convention
    }
}

/// A later amendment of a law, kept in the same policy file: from its date (the day of receipt, in the
/// law's time zone), the clocks it lists replace the file's own, and a request received earlier keeps the
/// rules in force when it was received (its schedule is recomputed from its receipt date, never today's).
///
/// ```yaml
/// revisions:
///   - from: {date: 2027-01-01, citation: "the amending act"}
///     deadlines:
///       access: {period: {days: 30}, citation: "the amended section"}
/// ```
public struct PolicyRevision: Hashable, Sendable {
    /// From when the revision governs, and the act that made it.
    public let from: EffectiveDate
    /// The clocks the revision replaces or adds; every other clock stays as the file has it.
    public let rules: [DeadlineKind: DeadlineRule]

    /// A revision from its date and clocks.
    public init(from: EffectiveDate, rules: [DeadlineKind: DeadlineRule]) {
        self.from = from
        self.rules = rules
    }
}

/// A regulator to whom a customer may complain; named in every denial.
public struct SupervisoryAuthority: Hashable, Sendable {
    /// The authority's name, e.g. "Information Commissioner's Office".
    public let name: String
    /// Where the customer can complain.
    public let url: String
}

/// One legal regime: its clocks per request kind, its default calendar and time zone.
public struct Jurisdiction: Hashable, Sendable {
    /// The jurisdiction id, matching its file name, e.g. `uk-gdpr` or `us-ca`.
    public let id: String
    /// The display name, e.g. "United Kingdom: UK GDPR and Data Protection Act 2018".
    public let name: String
    /// The controller's time zone for this regime: the "day of receipt" is the local date there.
    public let timeZoneIdentifier: String
    /// The default holiday calendar (an EU controller may override it with its member state's).
    public let calendarID: String
    /// The regulator named in denials, to whom the customer may complain.
    public let authority: SupervisoryAuthority
    /// The default acknowledgement timer, statutory or a marked convention; `nil` when none is set.
    public let acknowledgement: CitedPeriod?
    /// The controller's own earlier target for answering; `nil` means the legal deadline itself.
    public let internalTarget: Period?
    /// The statutory clock for each kind of request the jurisdiction covers.
    public let rules: [DeadlineKind: DeadlineRule]
    /// How long information that was the subject of a request must be kept after the answer, so the
    /// customer can exhaust their recourse (PIPEDA s.8(8)); the purge holds it back until then.
    public let recourse: CitedPeriod?
    /// The policy file the jurisdiction came from, for messages.
    public let sourceFile: String
    /// From when the law governs requests; nil for laws in force before any request Lethe holds.
    public var effectiveFrom: EffectiveDate? = nil
    /// From when the law requires an opt-out preference signal (Global Privacy Control) to be honoured as
    /// an opt-out of sale and sharing (11 CCR §7025 in California; each state's universal opt-out rule);
    /// nil where it does not.
    public var optOutSignalFrom: EffectiveDate? = nil
    /// Where the law treats silence past the deadline as a refusal (Quebec's Private Sector Act s.32), its
    /// citation: the customer is told when the deadline passes, so they can seek review. Nil elsewhere.
    public var deemedRefusal: String? = nil

    /// Later amendments of the law, oldest first (`revisions` in the file).
    public var revisions: [PolicyRevision] = []

    /// The clock for `kind` in force for a request received on `day` (the law's local date): the latest
    /// revision in force that lists it, else the file's own.
    public func rule(_ kind: DeadlineKind, on day: LocalDate) -> DeadlineRule? {
        var rule = rules[kind]
        for revision in revisions where revision.from.date <= day {
            if let revised = revision.rules[kind] { rule = revised }
        }
        return rule
    }

    /// Every kind with a clock for a request received on `day`.
    public func kinds(on day: LocalDate) -> [DeadlineKind] {
        DeadlineKind.allCases.filter { rule($0, on: day) != nil }
    }

    /// The law's local date at `instant`: the "day of receipt" every clock, revision and signal date of
    /// this law is counted in.
    public func day(of instant: Date) -> LocalDate {
        LocalDate(instant: instant, in: TimeZone(identifier: timeZoneIdentifier) ?? .gmt)
    }

    /// Whether a signal received on `day` (the law's local date) must be honoured as an opt-out.
    public func requiresOptOutSignal(on day: LocalDate) -> Bool {
        guard let from = optOutSignalFrom else { return false }
        return day >= from.date
    }
}

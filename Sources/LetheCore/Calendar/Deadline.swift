import Foundation

/// A period during which the statutory clock was stopped, both days included.
public struct ClockPause: Hashable, Sendable, Codable {
    public let from: LocalDate
    public let to: LocalDate
    public let reason: PauseReason

    public init(from: LocalDate, to: LocalDate, reason: PauseReason) {
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// The notice that extends a request's response period: when it was sent and why.
public struct ExtensionNotice: Hashable, Sendable, Codable {
    public let sentAt: Date
    public let reason: String

    public init(sentAt: Date, reason: String) {
        self.sentAt = sentAt
        self.reason = reason
    }
}

/// What to compute: the clocks of one request.
public struct DeadlineQuery: Sendable {
    public let jurisdictionID: String
    public let kind: DeadlineKind
    public let receivedAt: Date
    /// Overrides the jurisdiction's calendar (e.g. an EU controller's member state).
    public let calendarID: String?
    /// Overrides the jurisdiction's controller time zone.
    public let timeZoneIdentifier: String?
    public let extensionNotice: ExtensionNotice?
    public let pauses: [ClockPause]

    public init(
        jurisdictionID: String,
        kind: DeadlineKind,
        receivedAt: Date,
        calendarID: String? = nil,
        timeZoneIdentifier: String? = nil,
        extensionNotice: ExtensionNotice? = nil,
        pauses: [ClockPause] = []
    ) {
        self.jurisdictionID = jurisdictionID
        self.kind = kind
        self.receivedAt = receivedAt
        self.calendarID = calendarID
        self.timeZoneIdentifier = timeZoneIdentifier
        self.extensionNotice = extensionNotice
        self.pauses = pauses
    }
}

/// One due date and the rule that produced it.
public struct Deadline: Hashable, Sendable, Codable {
    /// The last day on which the action is in time.
    public let due: LocalDate
    /// The date before any roll to a working day, for showing the working.
    public let unrolled: LocalDate
    public let period: String
    public let citation: String
    /// Present when the law is silent and the period is the controller's own choice.
    public let convention: String?
}

/// Every clock of one request, as the deadline engine computed it.
public struct DeadlineSchedule: Hashable, Sendable, Codable {
    public let jurisdiction: String
    public let jurisdictionName: String
    public let kind: DeadlineKind
    public let receivedAt: Date
    /// The local date of receipt in ``timeZone``: day one of every clock.
    public let receiptDate: LocalDate
    public let timeZone: String
    public let calendar: String
    public let acknowledgement: Deadline?
    public let response: Deadline
    /// Present only when a valid extension notice was given.
    public let extended: Deadline?
    public let extensionReason: String?
    /// The controller's own earlier target, never later than the legal deadline.
    public let internalTarget: LocalDate
    /// Days the clock stood still, added to every response date.
    public let pausedDays: Int
    public let roll: RollConvention
    public let verification: VerificationRequirement

    /// The deadline that binds now: the extended one when granted, else the response.
    public var binding: Deadline { extended ?? response }

    /// The same schedule without the free-text extension reason, for storage where only dates and
    /// citations belong (the reason is kept encrypted elsewhere).
    public var withoutExtensionReason: DeadlineSchedule {
        DeadlineSchedule(
            jurisdiction: jurisdiction,
            jurisdictionName: jurisdictionName,
            kind: kind,
            receivedAt: receivedAt,
            receiptDate: receiptDate,
            timeZone: timeZone,
            calendar: calendar,
            acknowledgement: acknowledgement,
            response: response,
            extended: extended,
            extensionReason: nil,
            internalTarget: internalTarget,
            pausedDays: pausedDays,
            roll: roll,
            verification: verification
        )
    }
}

/// Why the engine refused to compute a schedule. Each message names the value at fault.
public enum DeadlineError: Error, Equatable, CustomStringConvertible {
    case unknownJurisdiction(String, known: [String])
    case kindNotCovered(jurisdiction: String, kind: DeadlineKind, covered: [DeadlineKind])
    case unknownCalendar(String, known: [String])
    case unknownTimeZone(String)
    case pauseNotAllowed(jurisdiction: String, kind: DeadlineKind, reason: PauseReason)
    case pauseOutOfOrder(ClockPause)
    case pauseBeforeReceipt(ClockPause, receipt: LocalDate)
    case noExtension(jurisdiction: String, kind: DeadlineKind)
    case extensionWithoutReason
    case extensionBeforeReceipt(sent: LocalDate, receipt: LocalDate)
    case extensionTooLate(sent: LocalDate, lastDay: LocalDate, citation: String)
    case calendar(CalendarCoverageError)

    public var description: String {
        switch self {
        case .unknownJurisdiction(let id, let known):
            return "unknown jurisdiction '\(id)' (known: \(known.joined(separator: ", ")))"
        case .kindNotCovered(let jurisdiction, let kind, let covered):
            return "\(jurisdiction) sets no deadline for '\(kind.rawValue)' (it covers: "
                + covered.map(\.rawValue).joined(separator: ", ") + ")"
        case .unknownCalendar(let id, let known):
            return "unknown calendar '\(id)' (known: \(known.joined(separator: ", ")))"
        case .unknownTimeZone(let zone):
            return "unknown time zone '\(zone)' (use an IANA name such as Europe/London)"
        case .pauseNotAllowed(let jurisdiction, let kind, let reason):
            return "\(jurisdiction) does not let the clock stop for \(reason.rawValue) on '\(kind.rawValue)' requests"
        case .pauseOutOfOrder(let pause):
            return "pause \(pause.from)..\(pause.to) ends before it starts"
        case .pauseBeforeReceipt(let pause, let receipt):
            return "pause \(pause.from)..\(pause.to) starts before the request was received on \(receipt)"
        case .noExtension(let jurisdiction, let kind):
            return "\(jurisdiction) allows no extension for '\(kind.rawValue)' requests"
        case .extensionWithoutReason:
            return "an extension notice must give the reason for the delay"
        case .extensionBeforeReceipt(let sent, let receipt):
            return "extension notice dated \(sent) is before the request was received on \(receipt)"
        case .extensionTooLate(let sent, let lastDay, let citation):
            return "extension notice sent \(sent) is too late: it had to reach the customer by \(lastDay) (\(citation))"
        case .calendar(let error):
            return error.description
        }
    }
}

/// The one calendar that computes every statutory clock from the policies.
///
/// Conventions (docs/deadlines.md): the day of receipt is the local date in the controller's time zone
/// and is day zero; month periods end on the corresponding date or the last day of a shorter month;
/// paused days (inclusive) are added before the roll to a working day; extensions run from the
/// original receipt, not from the first deadline; the internal target is never later than the legal
/// deadline and falls on a working day.
public struct DeadlineEngine: Sendable {
    public let policies: PolicySet

    public init(policies: PolicySet) { self.policies = policies }

    public func schedule(_ query: DeadlineQuery) throws(DeadlineError) -> DeadlineSchedule {
        guard let jurisdiction = policies.jurisdictions[query.jurisdictionID] else {
            throw .unknownJurisdiction(query.jurisdictionID, known: policies.jurisdictions.keys.sorted())
        }
        guard let rule = jurisdiction.rules[query.kind] else {
            throw .kindNotCovered(
                jurisdiction: jurisdiction.id,
                kind: query.kind,
                covered: DeadlineKind.allCases.filter { jurisdiction.rules[$0] != nil }
            )
        }
        let calendarID = query.calendarID ?? jurisdiction.calendarID
        guard let calendar = policies.calendars[calendarID] else {
            throw .unknownCalendar(calendarID, known: policies.calendars.keys.sorted())
        }
        let zoneID = query.timeZoneIdentifier ?? jurisdiction.timeZoneIdentifier
        guard let zone = TimeZone(identifier: zoneID) else { throw .unknownTimeZone(zoneID) }
        let receipt = LocalDate(instant: query.receivedAt, in: zone)
        let pausedDays = try Self.pausedDays(query.pauses, rule: rule, jurisdiction: jurisdiction, receipt: receipt)

        let response = try covered { () throws(CalendarCoverageError) in
            try deadline(rule.response, from: receipt, adding: pausedDays, roll: rule.roll, calendar: calendar)
        }
        let extended = try extensionDeadline(
            query,
            rule: rule,
            jurisdiction: jurisdiction,
            receipt: receipt,
            response: response,
            pausedDays: pausedDays,
            zone: zone,
            calendar: calendar
        )
        // An acknowledgement is a separate timer: pauses do not move it, and it rolls to a working day.
        let acknowledgement = try (rule.acknowledgement ?? jurisdiction.acknowledgement).map {
            cited throws(DeadlineError) in
            try covered { () throws(CalendarCoverageError) in
                try deadline(cited, from: receipt, adding: 0, roll: .nextWorkingDay, calendar: calendar)
            }
        }
        let target = try covered { () throws(CalendarCoverageError) in
            try internalTarget(
                rule.internalTarget ?? jurisdiction.internalTarget,
                receipt: receipt,
                pausedDays: pausedDays,
                response: response.due,
                calendar: calendar
            )
        }
        return DeadlineSchedule(
            jurisdiction: jurisdiction.id,
            jurisdictionName: jurisdiction.name,
            kind: query.kind,
            receivedAt: query.receivedAt,
            receiptDate: receipt,
            timeZone: zoneID,
            calendar: calendar.id,
            acknowledgement: acknowledgement,
            response: response,
            extended: extended,
            extensionReason: extended == nil ? nil : query.extensionNotice?.reason,
            internalTarget: target,
            pausedDays: pausedDays,
            roll: rule.roll,
            verification: rule.verification
        )
    }

    /// Runs calendar arithmetic, reporting a date outside the calendar's years as a deadline error.
    private func covered<T>(_ body: () throws(CalendarCoverageError) -> T) throws(DeadlineError) -> T {
        do { return try body() } catch { throw .calendar(error) }
    }

    private func deadline(
        _ cited: CitedPeriod,
        from start: LocalDate,
        adding pausedDays: Int,
        roll: RollConvention,
        calendar: HolidayCalendar
    ) throws(CalendarCoverageError) -> Deadline {
        let unrolled = try cited.period.end(from: start, calendar: calendar).adding(days: pausedDays)
        let due = roll == .nextWorkingDay ? try calendar.nextWorkingDay(onOrAfter: unrolled) : unrolled
        return Deadline(
            due: due,
            unrolled: unrolled,
            period: cited.period.description,
            citation: cited.citation,
            convention: cited.convention
        )
    }

    private func extensionDeadline(
        _ query: DeadlineQuery,
        rule: DeadlineRule,
        jurisdiction: Jurisdiction,
        receipt: LocalDate,
        response: Deadline,
        pausedDays: Int,
        zone: TimeZone,
        calendar: HolidayCalendar
    ) throws(DeadlineError) -> Deadline? {
        guard let notice = query.extensionNotice else { return nil }
        guard let extensionRule = rule.extensionRule else {
            throw .noExtension(jurisdiction: jurisdiction.id, kind: query.kind)
        }
        guard !notice.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .extensionWithoutReason
        }
        let sent = LocalDate(instant: notice.sentAt, in: zone)
        guard sent >= receipt else { throw .extensionBeforeReceipt(sent: sent, receipt: receipt) }
        // The notice must reach the customer inside the first period (GDPR Art 12(3), CCPA §1798.130).
        guard sent <= response.due else {
            throw .extensionTooLate(sent: sent, lastDay: response.due, citation: extensionRule.citation)
        }
        let cited = CitedPeriod(period: extensionRule.total, citation: extensionRule.citation)
        return try covered { () throws(CalendarCoverageError) in
            try deadline(cited, from: receipt, adding: pausedDays, roll: rule.roll, calendar: calendar)
        }
    }

    private func internalTarget(
        _ period: Period?,
        receipt: LocalDate,
        pausedDays: Int,
        response: LocalDate,
        calendar: HolidayCalendar
    ) throws(CalendarCoverageError) -> LocalDate {
        guard let period else { return response }
        let target = try period.end(from: receipt, calendar: calendar).adding(days: pausedDays)
        let bounded = min(target, response)
        // A target is a promise to ourselves: pull it back to a working day rather than past one.
        let working = try calendar.previousWorkingDay(onOrBefore: bounded)
        return max(working, receipt)
    }

    /// The number of distinct days covered by the pauses, both ends included.
    private static func pausedDays(
        _ pauses: [ClockPause],
        rule: DeadlineRule,
        jurisdiction: Jurisdiction,
        receipt: LocalDate
    ) throws(DeadlineError) -> Int {
        var days = Set<Int>()
        for pause in pauses {
            guard let allowed = rule.pause, allowed.reasons.contains(pause.reason) else {
                throw .pauseNotAllowed(jurisdiction: jurisdiction.id, kind: rule.kind, reason: pause.reason)
            }
            guard pause.from <= pause.to else { throw .pauseOutOfOrder(pause) }
            guard pause.from >= receipt else { throw .pauseBeforeReceipt(pause, receipt: receipt) }
            days.formUnion(pause.from.daysSinceEpoch...pause.to.daysSinceEpoch)
        }
        return days.count
    }
}

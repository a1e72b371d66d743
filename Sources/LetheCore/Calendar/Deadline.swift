import Foundation

/// A period during which the statutory clock was stopped, both days included.
public struct ClockPause: Hashable, Sendable, Codable {
    /// The first day the clock stood still (e.g. the day clarification was asked for).
    public let from: LocalDate
    /// The last day it stood still (e.g. the day the answer arrived), included.
    public let to: LocalDate
    /// Why the clock stopped; the rule must allow that reason.
    public let reason: PauseReason

    /// A pause from `from` through `to`, both days counted.
    public init(from: LocalDate, to: LocalDate, reason: PauseReason) {
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// The notice that extends a request's response period: when it was sent and why.
public struct ExtensionNotice: Hashable, Sendable, Codable {
    /// When the notice reached the customer; its local date must fall within the first period.
    public let sentAt: Date
    /// Why more time is needed, in words the customer is owed; must not be empty.
    public let reason: String

    /// A notice sent at `sentAt` giving `reason`.
    public init(sentAt: Date, reason: String) {
        self.sentAt = sentAt
        self.reason = reason
    }
}

/// What to compute: the clocks of one request.
public struct DeadlineQuery: Sendable {
    /// The jurisdiction whose rules apply, e.g. `uk-gdpr`.
    public let jurisdictionID: String
    /// The statutory clock to compute, e.g. `access` or `opt-out-of-sale`.
    public let kind: DeadlineKind
    /// When the request reached any of the controller's channels.
    public let receivedAt: Date
    /// Overrides the jurisdiction's calendar (e.g. an EU controller's member state).
    public let calendarID: String?
    /// Overrides the jurisdiction's controller time zone.
    public let timeZoneIdentifier: String?
    /// The extension notice, if one was sent.
    public let extensionNotice: ExtensionNotice?
    /// Periods during which the clock stood still.
    public let pauses: [ClockPause]

    /// A query for one request's clocks; the overrides default to the jurisdiction's own.
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
    /// The period as the law states it, e.g. `1 month` or `45 calendar days`.
    public let period: String
    /// The legal source of the period, e.g. `UK GDPR Art 12(3)`.
    public let citation: String
    /// Present when the law is silent and the period is the controller's own choice.
    public let convention: String?
}

/// Every clock of one request, as the deadline engine computed it.
public struct DeadlineSchedule: Hashable, Sendable, Codable {
    /// The jurisdiction id, e.g. `uk-gdpr`.
    public let jurisdiction: String
    /// The jurisdiction's display name.
    public let jurisdictionName: String
    /// The statutory clock computed.
    public let kind: DeadlineKind
    /// The instant of receipt.
    public let receivedAt: Date
    /// The local date of receipt in ``timeZone``: day zero of every clock (periods are counted from it,
    /// never including it).
    public let receiptDate: LocalDate
    /// The IANA time zone the receipt date was taken in, e.g. `Europe/London`.
    public let timeZone: String
    /// The id of the holiday calendar used for working days.
    public let calendar: String
    /// When receipt must be acknowledged, if the jurisdiction or rule sets a timer; not moved by pauses.
    public let acknowledgement: Deadline?
    /// The first, unextended deadline for answering.
    public let response: Deadline
    /// Present only when a valid extension notice was given.
    public let extended: Deadline?
    /// The reason given in the extension notice; dropped by ``withoutExtensionReason`` before storage.
    public let extensionReason: String?
    /// The controller's own earlier target, never later than the legal deadline.
    public let internalTarget: LocalDate
    /// Days the clock stood still, added to every response date.
    public let pausedDays: Int
    /// Whether dates that fall on a non-working day move to the next working day.
    public let roll: RollConvention
    /// Whether identity must be verified before acting on this kind of request.
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
    /// No policy file defines the jurisdiction; the known ids are listed.
    case unknownJurisdiction(String, known: [String])
    /// The jurisdiction sets no clock for this kind of request; the kinds it covers are listed.
    case kindNotCovered(jurisdiction: String, kind: DeadlineKind, covered: [DeadlineKind])
    /// No holiday calendar has the given id; the known ids are listed.
    case unknownCalendar(String, known: [String])
    /// The time zone is not an IANA name this system knows.
    case unknownTimeZone(String)
    /// The rule does not let the clock stop for that reason.
    case pauseNotAllowed(jurisdiction: String, kind: DeadlineKind, reason: PauseReason)
    /// A pause ends before it starts.
    case pauseOutOfOrder(ClockPause)
    /// A pause starts before the day of receipt.
    case pauseBeforeReceipt(ClockPause, receipt: LocalDate)
    /// The rule allows no extension.
    case noExtension(jurisdiction: String, kind: DeadlineKind)
    /// The extension notice gives no reason, which the law requires.
    case extensionWithoutReason
    /// The extension notice is dated before the request was received.
    case extensionBeforeReceipt(sent: LocalDate, receipt: LocalDate)
    /// The notice reached the customer after the last day of the first period; it names that day.
    case extensionTooLate(sent: LocalDate, lastDay: LocalDate, citation: String)
    /// A date fell outside the years the holiday calendar lists.
    case calendar(CalendarCoverageError)
    /// The request was received before the law started to apply to requests.
    case notInForce(jurisdiction: String, from: LocalDate, citation: String, received: LocalDate)

    /// A message naming the value at fault, fit for the CLI and the API.
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
        case .notInForce(let jurisdiction, let from, let citation, let received):
            return "\(jurisdiction) applies to requests received from \(from) (\(citation)); this one was received on "
                + "\(received): choose the law that applied then"
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
    /// The validated policies the engine reads jurisdictions, rules and calendars from.
    public let policies: PolicySet

    /// An engine over a loaded policy set.
    public init(policies: PolicySet) { self.policies = policies }

    /// Every clock of one request: acknowledgement, response, extension and internal target.
    ///
    /// - Throws: ``DeadlineError`` when the jurisdiction, kind, calendar or time zone is unknown, a
    ///   pause or extension notice breaks the rules, or a date falls outside the calendar's years.
    public func schedule(_ query: DeadlineQuery) throws(DeadlineError) -> DeadlineSchedule {
        guard let jurisdiction = policies.jurisdictions[query.jurisdictionID] else {
            throw .unknownJurisdiction(query.jurisdictionID, known: policies.jurisdictions.keys.sorted())
        }
        let zoneID = query.timeZoneIdentifier ?? jurisdiction.timeZoneIdentifier
        guard let zone = TimeZone(identifier: zoneID) else { throw .unknownTimeZone(zoneID) }
        let receipt = LocalDate(instant: query.receivedAt, in: zone)
        // The clock in force on the day of receipt: a later revision of the law does not reach back.
        guard let rule = jurisdiction.rule(query.kind, on: receipt) else {
            throw .kindNotCovered(
                jurisdiction: jurisdiction.id,
                kind: query.kind,
                covered: jurisdiction.kinds(on: receipt)
            )
        }
        let calendarID = query.calendarID ?? jurisdiction.calendarID
        guard let calendar = policies.calendars[calendarID] else {
            throw .unknownCalendar(calendarID, known: policies.calendars.keys.sorted())
        }
        // A law governs the requests received from its effective date, in its own time zone.
        if let effective = jurisdiction.effectiveFrom, receipt < effective.date {
            throw .notInForce(
                jurisdiction: jurisdiction.name,
                from: effective.date,
                citation: effective.citation,
                received: receipt
            )
        }
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

/// Working and non-working days for one place: weekends plus dated public holidays.
///
/// Holidays are listed date by date in `Policies/calendars/` rather than computed from rules, so a
/// privacy officer can read and amend them (a royal funeral, a new state holiday) without code.
/// A calendar knows the years it covers and refuses to answer outside them rather than guess.
public struct HolidayCalendar: Hashable, Sendable {
    public let id: String
    public let name: String
    public let weekend: Set<Weekday>
    public let holidays: [LocalDate: String]
    public let coveredYears: ClosedRange<Int>
    public let source: String

    public init(
        id: String,
        name: String,
        weekend: Set<Weekday>,
        holidays: [LocalDate: String],
        coveredYears: ClosedRange<Int>,
        source: String
    ) {
        self.id = id
        self.name = name
        self.weekend = weekend
        self.holidays = holidays
        self.coveredYears = coveredYears
        self.source = source
    }

    /// Whether `date` is a working day. Throws when `date` lies outside the years the calendar lists.
    public func isWorkingDay(_ date: LocalDate) throws(CalendarCoverageError) -> Bool {
        guard coveredYears.contains(date.year) else {
            throw CalendarCoverageError(calendarID: id, date: date, coveredYears: coveredYears)
        }
        return !weekend.contains(date.weekday) && holidays[date] == nil
    }

    /// `date` itself when it is a working day, else the next working day (Reg 1182/71 Art 3(4)).
    public func nextWorkingDay(onOrAfter date: LocalDate) throws(CalendarCoverageError) -> LocalDate {
        var candidate = date
        while try !isWorkingDay(candidate) { candidate = candidate.adding(days: 1) }
        return candidate
    }

    /// `date` itself when it is a working day, else the last working day before it.
    public func previousWorkingDay(onOrBefore date: LocalDate) throws(CalendarCoverageError) -> LocalDate {
        var candidate = date
        while try !isWorkingDay(candidate) { candidate = candidate.adding(days: -1) }
        return candidate
    }

    /// The `count`th working day after `start`; `start` itself never counts ("after receiving").
    public func addingBusinessDays(_ count: Int, to start: LocalDate) throws(CalendarCoverageError) -> LocalDate {
        var date = start
        var remaining = count
        while remaining > 0 {
            date = date.adding(days: 1)
            if try isWorkingDay(date) { remaining -= 1 }
        }
        return date
    }
}

/// A date the calendar cannot answer for because its holiday list does not reach that year.
public struct CalendarCoverageError: Error, Equatable, CustomStringConvertible {
    public let calendarID: String
    public let date: LocalDate
    public let coveredYears: ClosedRange<Int>

    public var description: String {
        "calendar \(calendarID) lists holidays for \(coveredYears.lowerBound)-\(coveredYears.upperBound) only; "
            + "\(date) is outside it (add that year to Policies/calendars/\(calendarID).yaml)"
    }
}

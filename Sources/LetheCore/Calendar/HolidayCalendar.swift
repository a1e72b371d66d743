/// Working and non-working days for one place: weekends plus dated public holidays.
///
/// Holidays are listed date by date in `Policies/calendars/` rather than computed from rules, so a
/// privacy officer can read and amend them (a royal funeral, a new state holiday) without code.
/// A calendar knows the years it covers and refuses to answer outside them rather than guess.
public struct HolidayCalendar: Hashable, Sendable {
    /// The calendar's id, matching its file name, e.g. `england-wales`.
    public let id: String
    /// The display name, e.g. "England and Wales".
    public let name: String
    /// The days of the week that are never working days.
    public let weekend: Set<Weekday>
    /// Public holidays by date, with their names.
    public let holidays: [LocalDate: String]
    /// The years the holiday list is complete for; dates outside are refused, not guessed.
    public let coveredYears: ClosedRange<Int>
    /// Where the holidays came from, for a reviewer.
    public let source: String

    /// A calendar from its parsed policy file.
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
    ///
    /// - Throws: ``CalendarCoverageError`` when the year is not covered.
    public func isWorkingDay(_ date: LocalDate) throws(CalendarCoverageError) -> Bool {
        guard coveredYears.contains(date.year) else {
            throw CalendarCoverageError(calendarID: id, date: date, coveredYears: coveredYears)
        }
        return !weekend.contains(date.weekday) && holidays[date] == nil
    }

    /// `date` itself when it is a working day, else the next working day (Reg 1182/71 Art 3(4)).
    ///
    /// - Throws: ``CalendarCoverageError`` when the search leaves the covered years.
    public func nextWorkingDay(onOrAfter date: LocalDate) throws(CalendarCoverageError) -> LocalDate {
        var candidate = date
        while try !isWorkingDay(candidate) { candidate = candidate.adding(days: 1) }
        return candidate
    }

    /// `date` itself when it is a working day, else the last working day before it.
    ///
    /// - Throws: ``CalendarCoverageError`` when the search leaves the covered years.
    public func previousWorkingDay(onOrBefore date: LocalDate) throws(CalendarCoverageError) -> LocalDate {
        var candidate = date
        while try !isWorkingDay(candidate) { candidate = candidate.adding(days: -1) }
        return candidate
    }

    /// The `count`th working day after `start`; `start` itself never counts ("after receiving").
    ///
    /// - Throws: ``CalendarCoverageError`` when the count runs past the covered years.
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
    /// The calendar that could not answer.
    public let calendarID: String
    /// The date asked about.
    public let date: LocalDate
    /// The years the calendar does cover.
    public let coveredYears: ClosedRange<Int>

    /// Names the calendar, its years and the file to extend.
    public var description: String {
        "calendar \(calendarID) lists holidays for \(coveredYears.lowerBound)-\(coveredYears.upperBound) only; "
            + "\(date) is outside it (add that year to Policies/calendars/\(calendarID).yaml)"
    }
}

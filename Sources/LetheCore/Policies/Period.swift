/// A length of time as the law states it. The unit matters: "one month" and "30 days" differ.
public enum Period: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Calendar months, counted to the corresponding day (Reg 1182/71 Art 3(2)(c)).
    case months(Int)
    /// Calendar years, counted as twelve months each.
    case years(Int)
    /// Calendar days after the day of receipt.
    case days(Int)
    /// Business days of the controller's calendar, counted from the day after receipt.
    case businessDays(Int)
    /// No period: the action is due on the day of receipt (e.g. consent withdrawal, GDPR Art 7(3)).
    case immediate

    /// The period in words, e.g. `1 month`, `45 calendar days` or `immediately`, for schedules and messages.
    public var description: String {
        switch self {
        case .months(let n): return n == 1 ? "1 month" : "\(n) months"
        case .years(let n): return n == 1 ? "1 year" : "\(n) years"
        case .days(let n): return n == 1 ? "1 calendar day" : "\(n) calendar days"
        case .businessDays(let n): return n == 1 ? "1 business day" : "\(n) business days"
        case .immediate: return "immediately"
        }
    }

    /// The date on which the period ends when it starts on `start`, before any roll to a working day.
    ///
    /// Business days need the calendar; the other units do not.
    ///
    /// - Throws: ``CalendarCoverageError`` when counting business days leaves the calendar's years.
    public func end(
        from start: LocalDate,
        calendar: HolidayCalendar
    ) throws(CalendarCoverageError) -> LocalDate {
        switch self {
        case .months(let n): return start.adding(months: n)
        case .years(let n): return start.adding(months: 12 * n)
        case .days(let n): return start.adding(days: n)
        case .businessDays(let n): return try calendar.addingBusinessDays(n, to: start)
        case .immediate: return start
        }
    }
}

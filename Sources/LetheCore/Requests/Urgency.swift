/// How pressing an open request is, by days left to its binding deadline: one rule for the queue,
/// the API, the dashboard, the metrics and the CLI.
public enum Urgency: String, Sendable, CaseIterable {
    /// More than ``dueSoonDays`` days left.
    case none
    /// Due within ``dueSoonDays`` days, today included.
    case dueSoon = "due-soon"
    /// The binding deadline has passed.
    case overdue
    /// The request is completed, denied or cancelled: no longer counted.
    case finished

    /// A request due within this many days (today included) is due soon: the first escalation threshold.
    public static let dueSoonDays = 7

    /// The urgency of a request in `status` whose binding deadline is `due`, seen on `today`.
    public init(status: RequestStatus, due: LocalDate, today: LocalDate) {
        if status.isTerminal {
            self = .finished
            return
        }
        let left = today.days(until: due)
        self = left < 0 ? .overdue : left <= Self.dueSoonDays ? .dueSoon : .none
    }

    /// The last due date that still counts as due soon, seen from `today`.
    public static func dueSoonBy(_ today: LocalDate) -> LocalDate { today.adding(days: dueSoonDays) }
}

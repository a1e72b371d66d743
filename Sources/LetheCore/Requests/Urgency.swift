/// How pressing an open request is, by days left to its binding deadline: one rule for the queue,
/// the API, the dashboard, the metrics and the CLI.
public enum Urgency: String, Sendable, CaseIterable {
    case none
    case dueSoon = "due-soon"
    case overdue
    case finished

    /// A request due within this many days (today included) is due soon: the first escalation threshold.
    public static let dueSoonDays = 7

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

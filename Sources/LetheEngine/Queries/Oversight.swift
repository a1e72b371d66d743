import Foundation
import LetheCore
import LetheStore

/// What officers and supervisors read to run the queue and oversee the service: counts, due dates,
/// escalations and the statutory metrics. Front ends read these here, never from the store.
public struct Oversight: Sendable {
    let store: any RequestRepository & AccountRepository

    init(store: any RequestRepository & AccountRepository) {
        self.store = store
    }

    /// Open requests by urgency on `today`: overdue, due by `dueSoonBy`, and the rest.
    /// - Throws: the store's errors.
    public func queueDepth(today: LocalDate, dueSoonBy: LocalDate) async throws -> QueueDepth {
        try await store.queueDepth(today: today, dueSoonBy: dueSoonBy)
    }

    /// Open requests counted by due date, up to and including `through`: the load chart.
    /// - Throws: the store's errors.
    public func openRequestsByDueDate(through: LocalDate) async throws -> [DueDateCount] {
        try await store.openRequestsByDueDate(through: through)
    }

    /// Requests received per month since `since`, by kind.
    /// - Throws: the store's errors.
    public func requestsByMonth(since: Date) async throws -> [MonthCount] {
        try await store.requestsByMonth(since: since)
    }

    /// Account changes held for a supervisor and not yet decided.
    /// - Throws: the store's errors.
    public func openEscalations() async throws -> [Escalation] {
        try await store.escalations(status: "open")
    }

    /// The CCPA §7102(a) figures for a calendar year.
    /// - Throws: the store's errors.
    public func ccpaMetrics(year: Int) async throws -> CCPAMetrics {
        try await CCPAMetrics.compile(year: year, store: store)
    }

    /// How many accounts the service holds (no personal data): the health check's probe.
    /// - Throws: the store's errors, e.g. when the database cannot be reached.
    public func accountCount() async throws -> Int {
        try await store.accountCount()
    }
}

import Foundation
import LetheCore
import LetheStore

/// What one pass of the deadline watch did.
public struct WatchReport: Sendable, Equatable {
    /// New alerts raised on this pass; alerts raised before are not counted again.
    public var alertsRaised = 0
    /// Open requests already past their binding deadline.
    public var overdue: [RequestID] = []
    /// Requests denied because identity was not verified within the window.
    public var deniedUnverifiable: [RequestID] = []
    /// Requests whose customer was told on this pass that the law now treats the silence as a refusal.
    public var deemedRefusals: [RequestID] = []

    /// An empty report.
    public init() {}
}

extension RequestService {
    /// Raises due-soon alerts at each threshold (the last to a supervisor), flags overdue requests, and
    /// denies requests whose identity was not verified within the window, so none is left hanging.
    /// Every alert is raised once per request and threshold, however often the watch runs.
    /// - Throws: `RequestError` when a denial cannot be recorded; the store's errors (`StoreError`).
    public func watch() async throws -> WatchReport {
        var report = WatchReport()
        let now = clock.now()
        let utc = TimeZone(identifier: "UTC") ?? .current
        let horizon = LocalDate(instant: now, in: utc).adding(days: (policy.escalationThresholds.max() ?? 7) + 1)
        let thresholds = policy.escalationThresholds.sorted(by: >)
        let due = try await store.listRequests(
            RequestQuery(statuses: RequestQuery.open, dueOnOrBefore: horizon, limit: 100_000)
        )
        for summary in due {
            let zone =
                TimeZone(identifier: policies.jurisdictions[summary.jurisdiction]?.timeZoneIdentifier ?? "UTC") ?? utc
            let daysLeft = LocalDate(instant: now, in: zone).days(until: summary.due)
            var raised: [(String, String)] = []
            if daysLeft < 0 {
                raised.append(("overdue", "supervisor"))
                report.overdue.append(summary.id)
            }
            for (index, threshold) in thresholds.enumerated() where daysLeft <= threshold {
                raised.append(("due-\(threshold)", index == thresholds.count - 1 ? "supervisor" : "officer"))
            }
            for (threshold, level) in raised {
                let alert = RequestAlert(requestID: summary.id, threshold: threshold, level: level, at: now)
                let assignee = summary.assignee ?? "unassigned"
                let notice: Notice =
                    threshold == "overdue"
                    ? .requestOverdue(
                        request: summary.id,
                        due: summary.due,
                        daysLeft: daysLeft,
                        assignee: assignee,
                        level: level
                    )
                    : .requestDueSoon(
                        request: summary.id,
                        due: summary.due,
                        daysLeft: daysLeft,
                        assignee: assignee,
                        level: level
                    )
                let message = OutboxMessage(notice, accountID: nil, recipient: nil)
                let audit = AuditEvent(
                    at: now,
                    actor: "system:watch",
                    action: "request.alert",
                    subjectType: "request",
                    subjectID: summary.id.rawValue,
                    fields: [threshold, level]
                )
                if try await store.raiseAlert(alert, message: message, audit: audit) { report.alertsRaised += 1 }
            }
            if daysLeft < 0, try await tellDeemedRefusal(summary, at: now) { report.deemedRefusals.append(summary.id) }
        }
        let waiting = try await store.listRequests(RequestQuery(statuses: [.awaitingVerification], limit: 100_000))
        for summary in waiting {
            guard let stored = try await store.request(summary.id) else { continue }
            let zone = TimeZone(identifier: stored.schedule.timeZone) ?? utc
            let windowEnd = min(
                stored.schedule.receiptDate.adding(days: policy.verificationWindowDays),
                stored.schedule.binding.due.adding(days: -1)
            )
            guard LocalDate(instant: now, in: zone) > windowEnd else { continue }
            try await deny(
                summary.id,
                basis: .unverifiable,
                reason:
                    "We could not verify your identity by \(windowEnd), so we cannot act on this request. You may submit it again.",
                by: .system("watch")
            )
            report.deniedUnverifiable.append(summary.id)
        }
        return report
    }

    /// Where the request's law treats silence past the deadline as a refusal (Quebec, s.32), tells the
    /// customer once, with the authority they may apply to, and records it as an alert and in the audit
    /// trail. The request stays open: the business still owes the answer.
    ///
    /// - Returns: whether the notice was raised on this call (false when it was raised before).
    func tellDeemedRefusal(_ summary: RequestSummary, at now: Date) async throws -> Bool {
        guard let law = policies.jurisdictions[summary.jurisdiction], let citation = law.deemedRefusal,
            // Told once: after that, a pass reads the request's alerts only, not the request and its sealed
            // values.
            try await !store.alerts(summary.id).contains(where: { $0.threshold == "deemed-refusal" }),
            let stored = try await store.request(summary.id)
        else { return false }
        let alert = RequestAlert(requestID: summary.id, threshold: "deemed-refusal", level: "supervisor", at: now)
        let notice = stored.requesterEmail.map {
            OutboxMessage(
                .deemedRefusal(
                    request: summary.id,
                    due: summary.due,
                    citation: citation,
                    complainTo: law.authority.name,
                    complainAt: law.authority.url
                ),
                accountID: stored.request.accountID,
                recipient: $0
            )
        }
        let audit = AuditEvent(
            at: now,
            actor: "system:watch",
            action: "request.deemed-refused",
            subjectType: "request",
            subjectID: summary.id.rawValue,
            fields: [summary.due.description]
        )
        return try await store.raiseAlert(alert, message: notice, audit: audit)
    }
}

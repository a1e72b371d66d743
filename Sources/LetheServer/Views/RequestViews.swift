import Foundation
import LetheCore
import LetheEngine

/// A request as the pages show it: deadlines with their citations, the timeline, the deadline history.
enum RequestViews {
    /// An instant as ISO 8601 in UTC to the second, as every page shows times.
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// One labelled deadline with its period, citation and roll convention; nil when the schedule has none.
    static func deadline(_ label: String, _ deadline: Deadline?) -> [String: Any]? {
        guard let deadline else { return nil }
        return [
            "label": label, "due": deadline.due.description, "period": deadline.period, "citation": deadline.citation,
            "convention": deadline.convention ?? "",
        ]
    }

    /// Everything the request and dossier pages show about a request: its deadlines, pauses, timeline,
    /// deadline history, alerts and how identity was verified.
    static func detail(_ dossier: RequestDossier, today: LocalDate) -> [String: Any] {
        let stored = dossier.stored
        let request = stored.request
        let schedule = stored.schedule
        let urgency = Urgency(status: request.status, due: schedule.binding.due, today: today)
        return [
            "id": request.id.rawValue,
            "kind": request.kind.rawValue,
            "deadlineKind": request.deadlineKind.rawValue,
            "status": request.status.rawValue,
            "account": request.accountID?.description ?? "",
            "matched": request.accountID != nil,
            "channel": stored.channel.rawValue,
            "agent": stored.agentID ?? "",
            "assignee": stored.assignee ?? "",
            "jurisdiction": schedule.jurisdiction,
            "jurisdictionName": schedule.jurisdictionName,
            "receivedAt": iso(request.receivedAt),
            "receiptDate": schedule.receiptDate.description,
            "calendar": schedule.calendar,
            "timeZone": schedule.timeZone,
            "verificationRule": schedule.verification.rawValue,
            "due": schedule.binding.due.description,
            "internalTarget": schedule.internalTarget.description,
            "pausedDays": schedule.pausedDays,
            "overdue": urgency == .overdue,
            "dueSoon": urgency == .dueSoon,
            "daysLeft": today.days(until: schedule.binding.due),
            "deadlines": [
                deadline("Acknowledge by", schedule.acknowledgement),
                deadline("Respond by", schedule.response),
                deadline("Extended to", schedule.extended),
            ].compactMap { $0 },
            "extensionReason": schedule.extensionReason ?? "",
            "timeline": request.events.map { event -> [String: Any] in
                [
                    "at": iso(event.at), "from": event.from.rawValue, "to": event.to.rawValue,
                    "actor": event.actor.description, "reason": event.reason ?? "",
                    "basis": event.denialReason?.rawValue ?? "",
                ]
            },
            "history": dossier.history.map { change -> [String: Any] in
                [
                    "at": iso(change.at), "respondBy": (change.extendedDue ?? change.responseDue).description,
                    "cause": change.cause,
                ]
            },
            "pauses": stored.pauses.map {
                [
                    "from": $0.from.description, "to": $0.to?.description ?? "still stopped",
                    "reason": $0.reason.rawValue,
                ]
            },
            "hasPauses": !stored.pauses.isEmpty,
            "hasAlerts": !dossier.alerts.isEmpty,
            "alerts": dossier.alerts.map {
                [
                    "at": iso($0.at), "threshold": $0.threshold, "level": $0.level,
                    "meaning": alertMeaning($0.threshold),
                ]
            },
            "consentChanges": stored.consentChanges.sorted { $0.key < $1.key }.map {
                ["purpose": $0.key, "granted": $0.value]
            },
            "verifiedEvidence": request.events.filter { $0.to == .verified }.map {
                ["at": iso($0.at), "by": $0.actor.description, "how": $0.reason ?? ""]
            },
        ]
    }

    /// What an alert threshold means, for the officer reading the request: `due-3` is "3 days before the
    /// deadline", `overdue` is "the deadline passed".
    static func alertMeaning(_ threshold: String) -> String {
        if threshold == "overdue" { return "the deadline passed" }
        if threshold.hasPrefix("due-"), let days = Int(threshold.dropFirst(4)) {
            return days == 1 ? "1 day before the deadline" : "\(days) days before the deadline"
        }
        return threshold
    }

    /// The deletion receipt as evidence: rows erased per table, and what was kept under which law and until when.
    static func receipt(_ receipt: DeletionReceipt) -> [String: Any] {
        [
            "at": iso(receipt.at),
            "pseudonym": receipt.pseudonym,
            "erased": receipt.erased.sorted { $0.key < $1.key }.map { ["table": $0.key, "rows": $0.value] },
            "kept": receipt.kept.map {
                [
                    "category": $0.category, "records": $0.records, "basis": $0.legalBasis, "citation": $0.citation,
                    "until": iso($0.retainUntil),
                ]
            },
        ]
    }
}

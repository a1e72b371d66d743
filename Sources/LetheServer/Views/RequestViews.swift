import Foundation
import LetheCore
import LetheEngine

/// A request as the pages show it: deadlines with their citations, the timeline, the deadline history.
enum RequestViews {
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
    static func detail(_ dossier: RequestDossier, today: LocalDate, times: TimeDisplay) -> [String: Any] {
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
            // The page shows the accurate value only to staff who decide the request (see request.mustache).
            "correction": stored.correction.map { correction -> [[String: Any]] in
                [
                    [
                        "field": correction.field.rawValue, "value": correction.shownValue,
                        "statement": correction.statement ?? "",
                    ]
                ]
            } ?? [],
            "appealOf": stored.appealOf?.rawValue ?? "",
            "appeal": dossier.appeal?.rawValue ?? "",
            "grounds": stored.grounds ?? "",
            "isAppeal": request.kind == .appeal,
            "assignee": stored.assignee ?? "",
            "jurisdiction": schedule.jurisdiction,
            "jurisdictionName": schedule.jurisdictionName,
            "receivedAt": times.text(request.receivedAt),
            "receiptDate": schedule.receiptDate.description,
            "acknowledgement": acknowledgement(
                dossier.acknowledgement,
                due: schedule.acknowledgement,
                lawZone: TimeZone(identifier: schedule.timeZone) ?? times.zone,
                times: times
            ),
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
                    "at": times.text(event.at), "from": event.from.rawValue, "to": event.to.rawValue,
                    "actor": event.actor.description, "reason": event.reason ?? "",
                    "basis": event.denialReason?.rawValue ?? "",
                ]
            },
            "history": dossier.history.map { change -> [String: Any] in
                [
                    "at": times.text(change.at), "respondBy": (change.extendedDue ?? change.responseDue).description,
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
                    "at": times.text($0.at), "threshold": $0.threshold, "level": $0.level,
                    "meaning": alertMeaning($0.threshold),
                ]
            },
            "consentChanges": stored.consentChanges.sorted { $0.key < $1.key }.map {
                ["purpose": $0.key, "granted": $0.value]
            },
            "verifiedEvidence": request.events.filter { $0.to == .verified }.map {
                ["at": times.text($0.at), "by": $0.actor.description, "how": $0.reason ?? ""]
            },
        ]
    }

    /// Whether the customer was told their request arrived, in a sentence, and whether that met the
    /// acknowledgement deadline when the law sets one (the day of sending counted in the law's zone, as the
    /// deadline is).
    static func acknowledgement(
        _ status: AcknowledgementStatus,
        due: Deadline?,
        lawZone: TimeZone,
        times: TimeDisplay
    ) -> String {
        switch status {
        case .sent(let at):
            guard let due else { return "sent \(times.text(at))" }
            let day = LocalDate(instant: at, in: lawZone)
            return day > due.due
                ? "sent \(times.text(at)), after the acknowledgement deadline of \(due.due)"
                : "sent \(times.text(at)), within the acknowledgement deadline of \(due.due)"
        case .waiting(let attempts):
            return attempts == 0
                ? "queued, not sent yet" : "not sent yet: \(attempts) delivery attempts failed, retrying"
        case .failed:
            return "could not be delivered (lethe outbox failed shows why): tell the customer another way"
        case .notQueued:
            return "none sent: the request gave no address to send it to"
        }
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
    static func receipt(_ receipt: DeletionReceipt, times: TimeDisplay) -> [String: Any] {
        [
            "at": times.text(receipt.at),
            "pseudonym": receipt.pseudonym,
            "erased": receipt.erased.sorted { $0.key < $1.key }.map { ["table": $0.key, "rows": $0.value] },
            "kept": receipt.kept.map {
                [
                    "category": $0.category, "records": $0.records, "basis": $0.legalBasis, "citation": $0.citation,
                    "until": times.text($0.retainUntil),
                ]
            },
        ]
    }
}

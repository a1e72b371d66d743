import Foundation
import LetheCore
import LetheStore
import Logging

/// Carries out a verified deletion: a grace period the customer can cancel in, then erasure category
/// by category as `Policies/retention.yaml` says, blocked by any legal hold, ending in crypto-shredding,
/// a suppression record and a deletion receipt.
public struct DeletionProcessor: Sendable {
    let store:
        any AccountRepository & AuditRepository & ErasureRepository & HoldRepository & JobRepository
            & RecipientRepository & RequestRepository
    let requests: RequestService
    let policies: PolicySet
    let clock: any WallClock
    let dispatcher: OutboxDispatcher
    /// Days kept free between the end of the grace period and the legal deadline, for the erasure itself.
    public var executionMargin = 2
    let logger: Logger
    /// The suppression list outside the database; each erasure appends its tokens (nil in tests that need none).
    public var journal: SuppressionJournal?

    /// Creates the processor; erasure confirmations are delivered through `dispatcher` before the key is
    /// destroyed. Set ``journal`` so every erasure also lands in the suppression journal.
    public init(
        store: any AccountRepository & AuditRepository & ErasureRepository & HoldRepository & JobRepository
            & RecipientRepository & RequestRepository,
        requests: RequestService,
        policies: PolicySet,
        clock: any WallClock,
        dispatcher: OutboxDispatcher,
        logger: Logger = Logger(label: "lethe.deletion")
    ) {
        self.store = store
        self.requests = requests
        self.policies = policies
        self.clock = clock
        self.dispatcher = dispatcher
        self.logger = logger
    }

    static func eraseJob(_ id: RequestID, runAt: Date, attempt: String = "") -> NewJob {
        NewJob(
            .eraseAccount(id),
            dedupeKey: "erase:\(id.rawValue)\(attempt)",
            runAt: runAt,
            maxAttempts: 10
        )
    }

    /// The grace period from the policies (`deletion-verified` rule of the identity category).
    var grace: Period {
        policies.retentionRules.first { $0.category == .identity && $0.trigger == .deletionVerified }?.period
            ?? .days(14)
    }

    /// Starts the grace period: the account is marked pending deletion and the erasure is scheduled.
    /// Grace plus execution must end before the statutory deadline, else grace is shortened and the officer told.
    /// - Throws: `RequestError` when the request cannot move, `StoreError` from the store.
    public func begin(_ id: RequestID) async throws {
        guard let stored = try await requests.inWork(id) else { return }
        guard let account = stored.request.accountID else {
            // Nothing is held about an unknown person: the answer is that there was nothing to erase.
            try await requests.complete(
                id,
                by: .system("deletion"),
                summary: "We hold no account for you; there was nothing to erase."
            )
            return
        }
        let zone = TimeZone(identifier: stored.schedule.timeZone) ?? .current
        let today = LocalDate(instant: clock.now(), in: zone)
        let wanted = (try? grace.end(from: today, calendar: HolidayCalendar.none)) ?? today.adding(days: 14)
        let latest = stored.schedule.binding.due.adding(days: -executionMargin)
        let graceEnd = min(wanted, max(latest, today))
        let eraseAt = Date(timeIntervalSince1970: TimeInterval(graceEnd.daysSinceEpoch) * 86_400)
        if let current = try await store.account(account), current.status != .pendingDeletion {
            try await store.changeStatus(
                account,
                to: .pendingDeletion,
                for: id,
                by: "system:deletion",
                reason: "Deletion request \(id) verified; erasure on \(graceEnd) unless cancelled",
                at: clock.now(),
                notification: OutboxMessage(
                    .deletionScheduled(request: id, eraseOn: graceEnd),
                    accountID: account,
                    recipient: current.email
                )
            )
        }
        if graceEnd < wanted {
            _ = try await store.raiseAlert(
                RequestAlert(requestID: id, threshold: "grace-shortened", level: "officer", at: clock.now()),
                message: OutboxMessage(
                    .requestNeedsSupervisor(
                        request: id,
                        reason: "grace period shortened to end \(graceEnd), before the deadline"
                    ),
                    accountID: nil,
                    recipient: nil
                ),
                audit: AuditEvent(
                    at: clock.now(),
                    actor: "system:deletion",
                    action: "request.grace-shortened",
                    subjectType: "request",
                    subjectID: id.rawValue,
                    fields: [graceEnd.description]
                )
            )
        }
        try await store.enqueue(Self.eraseJob(id, runAt: eraseAt))
        logger.info("deletion scheduled", metadata: ["request": "\(id)", "erase-on": "\(graceEnd)"])
    }

    /// Erasure's one home, with this processor's dispatcher and journal.
    var erasure: Erasure {
        Erasure(store: store, policies: policies, clock: clock, dispatcher: dispatcher, journal: journal)
    }

    /// Erases the customer when the grace period is over: nothing if the request was cancelled, nothing
    /// while a legal hold is in force (the officer is told who holds it and why), otherwise the
    /// confirmation first, then one erasure transaction, then the request is completed.
    /// - Throws: `JobFailure` while the confirmation cannot be delivered (the job is retried),
    ///   `RequestError` when the request cannot be completed, `StoreError` from the store.
    public func erase(_ id: RequestID) async throws {
        guard let stored = try await requests.inWork(id) else {
            logger.info("erasure skipped: the request is no longer in progress", metadata: ["request": "\(id)"])
            return
        }
        guard let account = stored.request.accountID else { return }
        if let receipt = try await store.deletionReceipt(id) {
            // Erased already (a crash came between erasure and completion): finish the record only.
            try await finish(id, receipt)
            return
        }
        let erasure = self.erasure
        let holds = try await erasure.holds(on: account, for: id)
        if !holds.isEmpty {
            logger.notice(
                "erasure blocked by a legal hold",
                metadata: ["request": "\(id)", "holds": "\(holds.map(\.id))"]
            )
            return
        }
        try await erasure.confirm(account, for: id)
        try await erasure.tellRecipients(id)
        let receipt = try await erasure.erase(account, receipt: id, at: clock.now())
        try await finish(id, receipt)
    }

    /// An officer's note that a recipient was told by hand (or cannot be told), then completion when it
    /// was the last one outstanding. False when the recipient is not pending for the request.
    /// - Throws: `RequestError` when the status or note is not allowed; the store's errors otherwise.
    public func settleByOfficer(
        _ id: RequestID,
        recipient: String,
        status: RecipientStatus,
        note: String
    ) async throws -> Bool {
        guard
            try await RecipientFanout(store: store, clock: clock)
                .settleByOfficer(id, recipient: recipient, status: status, note: note)
        else { return false }
        try await completeIfSettled(id)
        return true
    }

    /// Completes a request once every recipient has settled: a deletion with its receipt, an opt-out with
    /// its list of recipients. Called after erasure, after each recipient's answer, and after an officer's note.
    /// - Throws: `RequestError` for an unknown request or one that cannot be completed; `StoreError`
    ///   from the store.
    public func completeIfSettled(_ id: RequestID) async throws {
        let stored = try await requests.load(id)
        guard [.verified, .inProgress, .extended].contains(stored.request.status) else { return }
        guard try await RecipientFanout(store: store, clock: clock).allSettled(id) else { return }
        switch stored.request.kind {
        case .deletion:
            if let receipt = try await store.deletionReceipt(id) { try await finish(id, receipt) }
        case .consentChange:
            let recipients = try await store.requestRecipients(id)
            try await requests.complete(
                id,
                by: .system("recipients"),
                summary: "Your choice was passed on to \(recipients.count) recipient(s): "
                    + recipients.map { "\($0.name) (\($0.status.rawValue))" }.joined(separator: ", ")
            )
        default:
            return
        }
    }

    private func finish(_ id: RequestID, _ receipt: DeletionReceipt) async throws {
        // Every recipient must have settled before the request can be called complete.
        let recipients = try await store.requestRecipients(id)
        guard recipients.allSatisfy(\.status.isSettled) else { return }
        let told =
            recipients.isEmpty
            ? "" : "; recipients: " + recipients.map { "\($0.name) (\($0.status.rawValue))" }.joined(separator: ", ")
        let kept =
            receipt.kept.isEmpty
            ? "nothing"
            : receipt.kept.map { "\($0.category) (\($0.records), \($0.citation), until \($0.retainUntil))" }.joined(
                separator: "; "
            )
        try await requests.complete(
            id,
            by: .system("deletion"),
            summary: "Erased \(receipt.erased.values.reduce(0, +)) records and destroyed the key; kept: \(kept)\(told)",
            notify: false
        )
    }
}

extension HolidayCalendar {
    /// No holidays at all: for plain calendar-day arithmetic that never asks about working days.
    static let none = HolidayCalendar(
        id: "none",
        name: "none",
        weekend: [],
        holidays: [:],
        coveredYears: 1...9999,
        source: ""
    )
}

import Foundation
import LetheCore
import LetheStore
import Logging

/// Carries out a verified deletion: a grace period the customer can cancel in, then erasure category
/// by category as `Policies/retention.yaml` says, blocked by any legal hold, ending in crypto-shredding,
/// a suppression record and a deletion receipt.
public struct DeletionProcessor: Sendable {
    let store: any LetheStore
    let requests: RequestService
    let policies: PolicySet
    let clock: any WallClock
    let dispatcher: OutboxDispatcher
    /// Days kept free between the end of the grace period and the legal deadline, for the erasure itself.
    public var executionMargin = 2
    let logger: Logger
    /// The suppression list outside the database; each erasure appends its tokens (nil in tests that need none).
    public var journal: SuppressionJournal?

    public init(
        store: any LetheStore,
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
            try await store.updateAccount(
                account,
                changes: [.status(.pendingDeletion)],
                note: RecordNote(
                    accountID: account,
                    at: clock.now(),
                    author: "system:deletion",
                    changedFields: ["status"],
                    reason: "Deletion request \(id) verified; erasure on \(graceEnd) unless cancelled",
                    reference: id.rawValue,
                    verification: nil
                ),
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

    /// The erasure plan from the retention policy: what a law keeps, minimised, and until when.
    func plan(at instant: Date) -> ErasurePlan {
        Self.erasurePlan(policies: policies, at: instant)
    }

    /// The plan for any erasure, by request or by the retention scheduler (which counts it on its checkpoint).
    static func erasurePlan(policies: PolicySet, at instant: Date, checkpoint: PurgeCheckpoint? = nil) -> ErasurePlan {
        var decisions: [DataCategory: ErasureDecision] = [:]
        let today = LocalDate(instant: instant, in: TimeZone(identifier: "UTC") ?? .current)
        for rule in policies.retentionRules
        where rule.action == .keepMinimised && rule.category != .requestRecords && rule.category != .suppression {
            let until = (try? rule.period.end(from: today, calendar: HolidayCalendar.none)) ?? today
            decisions[rule.category] = .keepMinimised(
                legalBasis: rule.legalBasis,
                citation: rule.citation,
                until: Date(timeIntervalSince1970: TimeInterval(until.daysSinceEpoch) * 86_400)
            )
        }
        return ErasurePlan(decisions: decisions, checkpoint: checkpoint)
    }

    /// Erases the customer when the grace period is over: nothing if the request was cancelled, nothing
    /// while a legal hold is in force (the officer is told who holds it and why), otherwise the
    /// confirmation first, then one erasure transaction, then the request is completed.
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
        let now = clock.now()
        let holds = try await store.activeHolds(account, at: now)
        if !holds.isEmpty {
            for hold in holds {
                _ = try await store.raiseAlert(
                    RequestAlert(requestID: id, threshold: "held:\(hold.id)", level: "officer", at: now),
                    message: OutboxMessage(
                        .requestNeedsSupervisor(
                            request: id,
                            reason: "erasure blocked by legal hold \(hold.id), owned by \(hold.owner)"
                        ),
                        accountID: nil,
                        recipient: nil
                    ),
                    audit: AuditEvent(
                        at: now,
                        actor: "system:deletion",
                        action: "request.erasure-held",
                        subjectType: "request",
                        subjectID: id.rawValue,
                        fields: [hold.id, hold.owner]
                    )
                )
            }
            logger.notice(
                "erasure blocked by a legal hold",
                metadata: ["request": "\(id)", "holds": "\(holds.map(\.id))"]
            )
            return
        }
        // The confirmation goes out while the address still exists; no erasure until it is delivered. It
        // is one message per request, whatever the retries (a worker killed between delivery and erasure
        // must not send a second under a new id), and it is delivered itself, not in whatever batch of
        // the oldest notices happens to be due.
        if let current = try await store.account(account) {
            let confirmation = try await store.enqueueMessage(
                OutboxMessage(.deletionConfirmation(request: id), accountID: account, recipient: current.email),
                keyOwner: account.description,
                at: now,
                dedupeKey: "deletion-confirmation:\(id.rawValue)"
            )
            if try await !store.messageDelivered(confirmation) {
                _ = try await dispatcher.deliver(messageID: confirmation)
            }
            guard try await store.messageDelivered(confirmation) else {
                throw JobFailure(message: "the deletion confirmation could not be delivered yet; erasure waits for it")
            }
        }
        // Recipients are told before the erasure, while the customer reference still means something to us.
        try await RecipientFanout(store: store, clock: clock).notify(
            id,
            action: "deletion",
            categories: Set(DataCategory.allCases)
        )
        let spooled = try await store.messageIDs(account: account)
        let receipt = try await store.eraseCustomer(account, request: id, plan: plan(at: now), at: now)
        // The erased customer's suppression tokens go to the journal outside the database at once, so a
        // restore of an older database cannot make Lethe forget them (a crash before this line is made
        // good by the next reconciliation, at the next purge or start).
        try journal?.append(try await store.suppressionEntries(request: id))
        // The customer's notices go from the transport's spool too (the confirmation was delivered above).
        // A crash before this line leaves files whose outbox rows are gone: the purge's spool pass
        // removes such orphans at once, whatever their age.
        try await dispatcher.forget(outboxIDs: spooled)
        logger.info("customer erased", metadata: ["request": "\(id)", "kept": "\(receipt.kept.map(\.category))"])
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

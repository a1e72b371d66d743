import Foundation
import LetheCore
import LetheStore
import Logging

/// The one home of erasure, whoever asks for it: a verified deletion request (``DeletionProcessor``),
/// the retention scheduler when an account's retention ends, and the ``SuppressionGuard`` when a
/// restored backup brings an erased customer back.
///
/// Each step is here once: the plan (what a law keeps, minimised, and until when), the legal-hold
/// check, the confirmation delivered while the address exists, the recipients told, the erasure
/// itself (one transaction that crypto-shreds the customer's key and leaves a receipt), the
/// suppression tokens journaled outside the database, and the customer's notices removed from the spool.
public struct Erasure: Sendable {
    let store:
        any AccountRepository & AuditRepository & ErasureRepository & HoldRepository & JobRepository
            & RecipientRepository & RequestRepository
    let policies: PolicySet
    let clock: any WallClock
    /// Delivers the confirmation and forgets the customer's spooled notices; nil where nothing is
    /// delivered (the purge's spool pass then removes the orphaned files).
    let dispatcher: OutboxDispatcher?
    /// The suppression list outside the database; each erasure appends its tokens.
    let journal: SuppressionJournal?
    let logger: Logger

    /// The purge run an erasure counts towards, when the retention scheduler runs erasure jobs: the
    /// count is added to the run's checkpoint in the erasure's own transaction, so a purge killed
    /// mid-pass reports exactly the erasures it made.
    @TaskLocal static var purgeCheckpoint: PurgeCheckpoint?

    /// An erasure home over `store`, delivering through `dispatcher` and journaling to `journal`.
    public init(
        store: any AccountRepository & AuditRepository & ErasureRepository & HoldRepository & JobRepository
            & RecipientRepository & RequestRepository,
        policies: PolicySet,
        clock: any WallClock,
        dispatcher: OutboxDispatcher?,
        journal: SuppressionJournal?,
        logger: Logger = Logger(label: "lethe.erasure")
    ) {
        self.store = store
        self.policies = policies
        self.clock = clock
        self.dispatcher = dispatcher
        self.journal = journal
        self.logger = logger
    }

    /// The plan for any erasure, from the retention policy: every `keep-minimised` category is kept
    /// without identifiers until its period ends. The retention scheduler passes its `checkpoint` so
    /// the erasure is counted on its run.
    static func plan(policies: PolicySet, at instant: Date, checkpoint: PurgeCheckpoint? = nil) -> ErasurePlan {
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

    /// The legal holds that stop an erasure of `account` now; the officer is alerted once per hold for
    /// `request` (who holds it and why).
    /// - Throws: the store's errors.
    func holds(on account: AccountID, for request: RequestID) async throws -> [LegalHold] {
        let now = clock.now()
        let holds = try await store.activeHolds(account, at: now)
        for hold in holds {
            _ = try await store.raiseAlert(
                RequestAlert(requestID: request, threshold: "held:\(hold.id)", level: "officer", at: now),
                message: OutboxMessage(
                    .requestNeedsSupervisor(
                        request: request,
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
                    subjectID: request.rawValue,
                    fields: [hold.id, hold.owner]
                )
            )
        }
        return holds
    }

    /// Sends the deletion confirmation while the address still exists, and waits for its delivery.
    /// It is one message per request, whatever the retries (a worker killed between delivery and
    /// erasure must not send a second under a new id), delivered itself rather than in whatever batch
    /// of older notices happens to be due.
    /// - Throws: `JobFailure` while it cannot be delivered (the erasure waits and is retried).
    func confirm(_ account: AccountID, for request: RequestID) async throws {
        guard let dispatcher, let current = try await store.account(account) else { return }
        let confirmation = try await store.enqueueMessage(
            OutboxMessage(.deletionConfirmation(request: request), accountID: account, recipient: current.email),
            keyOwner: account.description,
            at: clock.now(),
            dedupeKey: "deletion-confirmation:\(request.rawValue)"
        )
        if try await !store.messageDelivered(confirmation) {
            _ = try await dispatcher.deliver(messageID: confirmation)
        }
        guard try await store.messageDelivered(confirmation) else {
            throw JobFailure(message: "the deletion confirmation could not be delivered yet; erasure waits for it")
        }
    }

    /// Tells every recipient before the erasure, while the customer reference still means something.
    /// - Throws: the store's errors.
    func tellRecipients(_ request: RequestID) async throws {
        try await RecipientFanout(store: store, clock: clock).notify(
            request,
            action: "deletion",
            categories: Set(DataCategory.allCases)
        )
    }

    /// Erases the customer in one transaction (the receipt is keyed by `receipt`, so a rerun after a
    /// crash finds the first one), then journals the suppression tokens and removes the customer's
    /// notices from the spool.
    /// - Throws: `StoreError` from the store (`injectedFault` in crash tests); a `CocoaError` when the
    ///   suppression journal cannot be written (the erasure itself is then already committed).
    @discardableResult
    public func erase(
        _ account: AccountID,
        receipt key: RequestID,
        at instant: Date,
        checkpoint: PurgeCheckpoint? = nil
    ) async throws -> DeletionReceipt {
        let spooled = try await store.messageIDs(account: account)
        let receipt = try await store.eraseCustomer(
            account,
            request: key,
            plan: Self.plan(policies: policies, at: instant, checkpoint: checkpoint ?? Self.purgeCheckpoint),
            at: instant
        )
        // The tokens go to the journal outside the database at once, so a restore of an older database
        // cannot make Lethe forget them (a crash before this line is made good by the next
        // reconciliation, at the next purge or start).
        try journal?.append(try await store.suppressionEntries(request: key))
        // A crash before this line leaves files whose outbox rows are gone: the purge's spool pass
        // removes such orphans at once, whatever their age.
        try await dispatcher?.forget(outboxIDs: spooled)
        logger.info("customer erased", metadata: ["receipt": "\(key)", "kept": "\(receipt.kept.map(\.category))"])
        return receipt
    }
}

import Foundation
import LetheCore
import LetheCrypto

/// Customer accounts and everything attached to them.
public protocol AccountRepository: Sendable {
    /// Creates the account, its data key, addresses, a record note and a welcome message in one
    /// transaction. Throws ``StoreError/accountIDTaken(_:)`` when `id` exists (the caller picks another).
    func createAccount(_ id: AccountID, _ account: NewAccount, note: RecordNote, welcome: OutboxMessage) async throws
    /// The account, decrypted, or nil.
    func account(_ id: AccountID) async throws -> Account?
    /// Finds an account by email through the blind index.
    func accountID(forEmail email: String) async throws -> AccountID?
    /// Finds an account by E.164 phone through the blind index.
    func accountID(forPhone phone: String) async throws -> AccountID?
    /// Applies every change, the record note and the customer's notification atomically.
    func updateAccount(
        _ id: AccountID,
        changes: [AccountChange],
        note: RecordNote,
        notification: OutboxMessage?
    ) async throws
    /// The stored security answer, for verification by the engine.
    func securityAnswer(_ id: AccountID) async throws -> String?
    /// Record notes for supervisor review, newest first.
    func recordNotes(_ query: RecordNoteQuery) async throws -> [RecordNote]
    /// Holds a change for a supervisor instead of applying it.
    func escalate(
        _ id: AccountID,
        at: Date,
        requestedBy: String,
        kind: String,
        changes: [String: String],
        reason: String
    )
        async throws -> Int64
    func escalations(status: String) async throws -> [Escalation]
    func addOrders(_ id: AccountID, _ orders: [NewOrder]) async throws
    func orders(_ id: AccountID, limit: Int?) async throws -> [OrderRecord]
    /// Orders after `afterID`, oldest first, a page at a time: exports stream them in bounded memory.
    func ordersPage(_ id: AccountID, after afterID: Int64?, limit: Int) async throws -> [OrderRecord]
    func supportInteractions(_ id: AccountID) async throws -> [(at: Date, channel: String, transcript: String)]
    func securityEvents(
        _ id: AccountID
    ) async throws -> [(at: Date, kind: String, ipAddress: String?, userAgent: String?)]
    func addSupportInteraction(_ id: AccountID, at: Date, channel: String, transcript: String) async throws
    func addSecurityEvent(_ id: AccountID, at: Date, kind: String, ipAddress: String?, userAgent: String?) async throws
    func appendConsent(_ id: AccountID, _ consent: ConsentRecord) async throws
    func consents(_ id: AccountID) async throws -> [ConsentRecord]
    /// Removes every row of the customer and destroys their data key, in one transaction.
    /// Returns the number of rows removed.
    func eraseAccount(_ id: AccountID) async throws -> Int
    func accountCount() async throws -> Int
    /// The account's status alone (no decryption), or nil when there is no such account: read on every
    /// customer request, so that a deactivation ends the customer's sessions at once in every process.
    func accountStatus(_ id: AccountID) async throws -> AccountStatus?
}

/// An order to record against an account.
public struct NewOrder: Sendable {
    public let placedAt: Date
    public let totalCents: Int64
    public let currency: String
    public let status: String
    public let items: String
    public let shippingAddress: String?

    public init(
        placedAt: Date,
        totalCents: Int64,
        currency: String,
        status: String,
        items: String,
        shippingAddress: String?
    ) {
        self.placedAt = placedAt
        self.totalCents = totalCents
        self.currency = currency
        self.status = status
        self.items = items
        self.shippingAddress = shippingAddress
    }
}

/// One entry of the consent ledger.
public struct ConsentRecord: Sendable, Equatable, Codable {
    public let purpose: String
    public let granted: Bool
    /// customer, agent, gpc-signal, unsubscribe-link, …
    public let source: String
    public let sourceDetail: String?
    public let noticeVersion: String
    public let at: Date

    public init(purpose: String, granted: Bool, source: String, sourceDetail: String?, noticeVersion: String, at: Date)
    {
        self.purpose = purpose
        self.granted = granted
        self.source = source
        self.sourceDetail = sourceDetail
        self.noticeVersion = noticeVersion
        self.at = at
    }
}

/// Wrapped data keys, for rotation and status.
public protocol KeyRepository: Sendable {
    /// How many data keys each master version still wraps.
    func dataKeyCounts() async throws -> [UInt32: Int]
    /// Rewraps up to `limit` data keys not yet under the vault's primary master version; returns how many.
    /// Each batch is its own transaction, so a rotation can stop and resume at any point.
    func rewrapDataKeys(limit: Int) async throws -> Int
    /// What each master version still secures (data keys, blind-index tokens, suppressions, audit MACs).
    func keyVersionUsage() async throws -> [UInt32: KeyVersionUsage]
    /// Recomputes up to `limit` accounts' blind-index tokens under the primary version; resumable.
    func reindexBlindIndexes(limit: Int) async throws -> Int
}

/// The tamper-evident audit trail.
public protocol AuditRepository: Sendable {
    /// Appends `event`. A reason about an account is free text that can name the customer, and the
    /// trail outlives the account, so it is sealed under the account's key and shredded with it.
    @discardableResult
    func appendAudit(_ event: AuditEvent) async throws -> Int64
    /// Entries as stored (a sealed reason stays sealed, so the MAC can be checked); see `auditReason(_:)`.
    func auditEntries(subjectType: String?, subjectID: String?) async throws -> [AuditEntry]
    /// The entry's reason for display: opened when sealed, or a placeholder once the customer's key is erased.
    func auditReason(_ entry: AuditEntry) async throws -> String?
    /// The sequence number of the first entry whose MAC or link does not verify, or of the first entry
    /// missing before the anchored head (the newest entries were deleted), or nil when the chain is whole.
    func firstBrokenAuditEntry() async throws -> Int64?
    /// The chain's anchored head, for an outside witness; nil while the chain is empty.
    func auditHead() async throws -> AuditHead?
    /// Anchors a chain written before heads existed at its current end; does nothing otherwise.
    func anchorAuditHeadIfMissing() async throws
    /// Re-MACs the verified audit trail under the primary version, so an older version can be retired.
    func reMACAuditTrail() async throws -> Int
}

/// The transactional outbox.
public protocol OutboxRepository: Sendable {
    /// Messages due at `now`, oldest first, without claiming them (for inspection).
    func pendingMessages(limit: Int, now: Date) async throws -> [PendingMessage]
    /// Claims up to `limit` due messages for `claimFor` seconds and returns them: workers claiming at
    /// once get different messages, and a claim that runs out (its worker died) frees the message again.
    func claimMessages(limit: Int, now: Date, claimFor: TimeInterval) async throws -> [PendingMessage]
    /// Claims one message by id, if it is pending and due: for a workflow that waits on that message.
    func claimMessage(_ id: Int64, now: Date, claimFor: TimeInterval) async throws -> PendingMessage?
    func markDelivered(_ id: Int64, at: Date) async throws
    /// Records a failed delivery; the message is tried again at `retryAt`, or given up after `maxAttempts`.
    func markFailed(_ id: Int64, error: String, retryAt: Date, maxAttempts: Int) async throws
}

/// Privacy requests, their events, deadlines, codes and alerts.
public protocol RequestRepository: Sendable {
    /// Records a submission durably: a new request, the existing one for a repeated idempotency key,
    /// or a link to the customer's open request of the same kind. Everything in `record` (events,
    /// deadlines, code, messages, audit) commits together or not at all.
    func createRequest(_ record: NewRequestRecord) async throws -> IntakeOutcome
    func request(_ id: RequestID) async throws -> StoredRequest?
    /// Applies `update` only if the request is still in `expected` status (compare-and-set), so two
    /// officers or workers acting at once cannot both move it.
    func updateRequest(_ id: RequestID, expecting expected: RequestStatus, _ update: RequestUpdate) async throws
    /// The queue, most urgent first (binding due date, then receipt).
    func listRequests(_ query: RequestQuery) async throws -> [RequestSummary]
    func deadlineHistory(_ id: RequestID) async throws -> [DeadlineChange]
    /// The pending code for a purpose (a request id, or `account:TR-xxxxx`).
    func verificationCode(_ purpose: String) async throws -> VerificationCodeRecord?
    /// Counts an attempt; a right code is spent, a wrong one locks the code after `maxAttempts`.
    func recordCodeAttempt(_ purpose: String, succeeded: Bool, maxAttempts: Int) async throws -> VerificationCodeRecord?
    /// Stores a new code for `purpose` (replacing any) and queues its message sealed under `keyOwner`'s key;
    /// the send counts against `rateSubject`'s limit (sign-in codes have a limit of their own).
    func replaceCode(
        _ purpose: String,
        keyOwner: String,
        rateSubject: String,
        _ code: VerificationCodeRecord,
        message: OutboxMessage
    ) async throws
    /// Codes sent since `since` to a subject and to an address (blind index), for rate limits.
    func codeSends(subject: String, addressIndex: [UInt8], since: Date) async throws -> (subject: Int, address: Int)
    /// Raises an alert once per request and threshold; returns false when it was already raised.
    func raiseAlert(_ alert: RequestAlert, message: OutboxMessage?, audit: AuditEvent) async throws -> Bool
    func alerts(_ id: RequestID) async throws -> [RequestAlert]
    /// Open requests by status, and how many are due by `dueSoonBy` or overdue (due before `today`),
    /// counted in the database so a scrape or a dashboard does not load the queue.
    func queueDepth(today: LocalDate, dueSoonBy: LocalDate) async throws -> QueueDepth
    /// Open requests due on or before `through`, counted per binding due date and kind (the load chart).
    func openRequestsByDueDate(through: LocalDate) async throws -> [DueDateCount]
    /// Requests received since `since`, and how many of those are completed, per UTC calendar month.
    func requestsByMonth(since: Date) async throws -> [MonthCount]
    /// How each request received in `[from, before)` under `jurisdiction` ended, for statutory metrics.
    func requestOutcomes(jurisdiction: String, receivedFrom from: Date, before: Date) async throws -> [RequestOutcome]
}

/// Open requests of one kind due on one date.
public struct DueDateCount: Sendable, Equatable {
    public let due: LocalDate
    public let kind: RequestKind
    public let count: Int

    public init(due: LocalDate, kind: RequestKind, count: Int) {
        self.due = due
        self.kind = kind
        self.count = count
    }
}

/// Requests received in one UTC month (`year`, `month` 1-12), and how many of them are completed.
public struct MonthCount: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let received: Int
    public let completed: Int

    public init(year: Int, month: Int, received: Int, completed: Int) {
        self.year = year
        self.month = month
        self.received = received
        self.completed = completed
    }
}

/// The facts about one request that the CCPA §7102 metrics count: no personal values.
public struct RequestOutcome: Sendable, Equatable {
    public let kind: RequestKind
    public let deadlineKind: DeadlineKind
    public let status: RequestStatus
    public let receivedAt: Date
    /// When it was completed, denied or cancelled.
    public let closedAt: Date?
    public let denialReason: DenialReason?

    public init(
        kind: RequestKind,
        deadlineKind: DeadlineKind,
        status: RequestStatus,
        receivedAt: Date,
        closedAt: Date?,
        denialReason: DenialReason?
    ) {
        self.kind = kind
        self.deadlineKind = deadlineKind
        self.status = status
        self.receivedAt = receivedAt
        self.closedAt = closedAt
        self.denialReason = denialReason
    }
}

/// The size and urgency of the open queue.
public struct QueueDepth: Sendable, Equatable {
    public let byStatus: [RequestStatus: Int]
    public let dueSoon: Int
    public let overdue: Int

    public init(byStatus: [RequestStatus: Int], dueSoon: Int, overdue: Int) {
        self.byStatus = byStatus
        self.dueSoon = dueSoon
        self.overdue = overdue
    }
}

/// Durable jobs: leased with a timeout, retried with backoff, dead-lettered after the last try.
public protocol JobRepository: Sendable {
    /// Enqueues unless a job with the same dedupe key already exists; returns whether it was added.
    @discardableResult
    func enqueue(_ job: NewJob) async throws -> Bool
    /// Leases up to `limit` ready jobs (or jobs whose lease expired) to `worker` until `now + lease`;
    /// only jobs of `kinds` when given (the purge runs erasures only).
    func leaseJobs(
        worker: String,
        limit: Int,
        now: Date,
        lease: TimeInterval,
        kinds: Set<JobKind>?
    ) async throws
        -> [LeasedJob]
    /// Jobs of `kinds` due at `now`: ready to lease, and leased to a worker whose lease has not run out.
    func jobBacklog(kinds: Set<JobKind>, now: Date) async throws -> (ready: Int, leased: Int)
    /// Counts an attempt as its handler starts; nil when the lease was lost. A job leased but never
    /// started (its worker killed first) loses no attempt.
    func startJob(_ job: LeasedJob, now: Date) async throws -> LeasedJob?
    /// Frees the leases a dead process held (workers name themselves `NAME@HOST:PID`); returns how many.
    func releaseJobLeases(ofProcess host: String, pid: Int32) async throws -> Int
    /// Jobs that gave up, oldest first.
    func deadJobs(limit: Int) async throws -> [DeadJob]
    /// Puts a dead job back in the queue with fresh attempts, audited; false when it is not dead.
    func requeueDeadJob(_ id: Int64, by actor: String, reason: String, at: Date) async throws -> Bool
    /// Marks a job done; false when the lease was lost (expired and taken by another worker).
    func completeJob(_ job: LeasedJob, now: Date) async throws -> Bool
    /// Records a failure: back to ready at `retryAt`, or dead after its last attempt.
    func failJob(_ job: LeasedJob, error: String, now: Date, retryAt: Date) async throws -> JobStatus
    func jobCounts() async throws -> [JobStatus: Int]
}

extension JobRepository {
    /// Leases jobs of every kind.
    public func leaseJobs(worker: String, limit: Int, now: Date, lease: TimeInterval) async throws -> [LeasedJob] {
        try await leaseJobs(worker: worker, limit: limit, now: now, lease: lease, kinds: nil)
    }
}

/// Legal holds: orders to keep data that override erasure until released.
public protocol HoldRepository: Sendable {
    func placeHold(_ hold: LegalHold) async throws
    /// Releases a hold; false when it does not exist or was already released.
    func releaseHold(_ id: String, at: Date, by: String) async throws -> Bool
    /// Holds on an account that are in force at `instant`.
    func activeHolds(_ account: AccountID, at instant: Date) async throws -> [LegalHold]
    func holds(includeReleased: Bool) async throws -> [LegalHold]
}

/// Export-bundle metadata (the bundle files themselves live encrypted under `Exports/`).
public protocol ExportBundleRepository: Sendable {
    func recordBundle(_ bundle: ExportBundleRecord) async throws
    func bundle(_ id: String) async throws -> ExportBundleRecord?
    /// The bundle built for `request`, so a retried export job reuses it instead of building another.
    func bundle(forRequest request: RequestID) async throws -> ExportBundleRecord?
    /// Counts one download if the link is still valid; returns the record as it was, or nil when expired or used up.
    func takeDownload(_ id: String, at: Date) async throws -> ExportBundleRecord?
    /// Bundles whose links expired by `instant`, for the retention scheduler.
    func expiredBundles(at instant: Date) async throws -> [ExportBundleRecord]
    func deleteBundleRecord(_ id: String) async throws
}

/// Erasure of a customer with evidence, and the records that outlive it.
public protocol ErasureRepository: Sendable {
    /// In one transaction: files the plan's kept categories minimised under a pseudonym, records
    /// suppression tokens, deletes every row of the customer and their data key, and stores the receipt.
    /// Running it again for the same request returns the first receipt and changes nothing.
    func eraseCustomer(_ id: AccountID, request: RequestID, plan: ErasurePlan, at: Date) async throws -> DeletionReceipt
    func deletionReceipt(_ request: RequestID) async throws -> DeletionReceipt?
    /// Whether an email or phone (as its blind-index token) belongs to an erased customer.
    func isSuppressed(email: String) async throws -> Bool
    /// The suppression list, oldest first: every entry, or those of one erasure.
    func suppressionEntries(request: RequestID?) async throws -> [SuppressionEntry]
    /// Adds entries the list lacks (after a restore); returns how many were added.
    func restoreSuppressions(_ entries: [SuppressionEntry]) async throws -> Int
    /// Accounts whose email or phone token is on the suppression list, with the erasure that listed it:
    /// customers a restored backup brought back.
    func suppressedAccounts() async throws -> [(account: AccountID, request: RequestID)]
    /// Queues one message and returns its id, so a caller can wait for its delivery.
    /// Queues a message sealed under `keyOwner`'s key. With a `dedupeKey`, a message already queued under
    /// that key is returned instead of a new one, so a retried job notifies once under one message id.
    func enqueueMessage(_ message: OutboxMessage, keyOwner: String, at: Date, dedupeKey: String?) async throws -> Int64
    func messageDelivered(_ id: Int64) async throws -> Bool
    /// The outbox rows that belong to a customer (addressed to them or sealed under their key).
    func messageIDs(account: AccountID) async throws -> [Int64]
    /// Which of `ids` still have an outbox row.
    func existingMessageIDs(_ ids: [Int64]) async throws -> Set<Int64>
    /// A cipher under the subject's own key, for files that must die with the customer; nil once erased.
    func fieldCipher(for subject: String) async throws -> FieldCipher?
}

/// The recipient registry and each request's fan-out to recipients.
public protocol RecipientRepository: Sendable {
    /// Adds a recipient; its signing secret is stored sealed.
    func addRecipient(_ recipient: Recipient, secret: String, at: Date) async throws
    func recipients() async throws -> [Recipient]
    func recipientSecret(_ id: String) async throws -> String?
    /// Records that `request` must be passed to these recipients (pending), once each.
    func addRequestRecipients(_ request: RequestID, recipients: [String], action: String, at: Date) async throws
    func requestRecipients(_ request: RequestID) async throws -> [RequestRecipient]
    /// Settles one recipient of a request; false when it was not pending or not part of the request.
    func settleRecipient(
        _ request: RequestID,
        recipient: String,
        status: RecipientStatus,
        note: String?,
        at: Date
    ) async throws -> Bool
}

/// The retention scheduler's side of the store: due records counted and purged in bounded batches,
/// each batch one transaction that also advances its run's checkpoint; one purge at a time per database.
public protocol RetentionRepository: Sendable {
    /// Takes the purge lease until `expiresAt`, or returns who holds it. A holder named in
    /// `replacing` (found dead by the caller) is taken over even before its lease runs out.
    func acquirePurgeLease(_ claim: PurgeLeaseHolder, replacing: String?) async throws -> PurgeLeaseHolder?
    /// Extends the lease; false when it was lost (taken over after expiring).
    func renewPurgeLease(holder: String, until: Date) async throws -> Bool
    func releasePurgeLease(holder: String) async throws
    /// Records a run as started; a run whose holder died stays `running` until the next run closes it.
    func beginPurgeRun(id: String, holder: String, asOf: Date, at: Date) async throws
    /// Runs, newest first, with their checkpointed counts.
    func purgeRuns(status: PurgeRunStatus?, limit: Int) async throws -> [PurgeRunRecord]
    /// Ends a run with its report and appends its purge receipt to the audit trail, together.
    func finishPurgeRun(
        id: String,
        status: PurgeRunStatus,
        report: String,
        at: Date,
        receipt: AuditEvent
    )
        async throws
    /// Records due for `target` at `cutoff` (by the instant its period runs from), and what holds keep.
    func countDue(_ target: PurgeTarget, cutoff: Date, holds: RetentionHolds) async throws -> DueCount
    /// Purges up to `limit` due, unheld records of `target` in one transaction, adding the count to the
    /// run's checkpoint in the same transaction; returns how many went (0 when nothing is left).
    /// Not for export bundles (their files go first), inactive accounts (erased whole) or audit entries.
    func purgeBatch(
        _ target: PurgeTarget,
        cutoff: Date,
        holds: RetentionHolds,
        limit: Int,
        checkpoint: PurgeCheckpoint
    )
        async throws -> Int
    /// Deactivated accounts inactive since `cutoff` or earlier and not held, a page at a time.
    func dueInactiveAccounts(cutoff: Date, holds: RetentionHolds, limit: Int) async throws -> [DueAccount]
    /// Expired export bundles that no hold keeps, a page at a time.
    func dueBundles(cutoff: Date, holds: RetentionHolds, limit: Int) async throws -> [ExportBundleRecord]
    /// Removes a bundle's record after its file is gone, counting it on the checkpoint; false if already gone.
    func purgeBundleRecord(_ id: String, checkpoint: PurgeCheckpoint) async throws -> Bool
    /// Adds to a run's checkpoint what the caller removed outside the database (spool files).
    func recordPurged(_ count: Int, checkpoint: PurgeCheckpoint) async throws
    /// Outbox message ids of held customers, so their delivered notices' spool files are kept too.
    func heldMessageIDs(holds: RetentionHolds, category: DataCategory) async throws -> Set<Int64>
    /// Purges up to `limit` of the oldest audit entries written at or before `cutoff`, stopping at the
    /// first entry about a held customer, and moves the authenticated checkpoint to the last one purged.
    func purgeAuditEntries(
        cutoff: Date,
        holds: RetentionHolds,
        limit: Int,
        checkpoint: PurgeCheckpoint
    )
        async throws -> Int
    /// The checkpoint of the purged prefix, if any entry was ever purged.
    func auditCheckpoint() async throws -> AuditCheckpoint?
}

/// Staff users, sessions, API tokens and sign-in throttling: who may call the service.
public protocol AccessRepository: Sendable {
    /// Adds a staff user, audited; throws ``StoreError/staffExists(_:)`` when the name is taken.
    func addStaffUser(_ user: StaffUserRecord, by actor: String) async throws
    func staffUser(_ username: String) async throws -> StaffUserRecord?
    func staffUsers() async throws -> [StaffUserRecord]
    /// Replaces a staff user's password hash (and re-enables them), audited; ends their sessions.
    func setStaffPassword(_ username: String, hash: String, at: Date, by actor: String) async throws
    /// Disables a staff user and ends their sessions, audited; false when there is no such user.
    func disableStaffUser(_ username: String, at: Date, by actor: String) async throws -> Bool
    /// Counts one failed sign-in against `key` (a username or a client address).
    func recordSignInFailure(key: String, at: Date) async throws
    func signInFailures(key: String, since: Date) async throws -> Int
    func clearSignInFailures(key: String) async throws
    /// Stores a session under the SHA-256 of its token.
    func createSession(hash: Data, _ session: SessionRecord) async throws
    /// The session whose token hashes to `hash`, unless it has expired by `at`.
    func session(hash: Data, at: Date) async throws -> SessionRecord?
    func deleteSession(hash: Data) async throws
    /// Removes sessions that expired before `instant`; returns how many.
    func deleteExpiredSessions(before instant: Date) async throws -> Int
    /// Stores a token under the SHA-256 of its secret, audited.
    func addAPIToken(_ token: APITokenRecord, hash: Data) async throws
    /// The token whose secret hashes to `hash`, revoked or not (the caller decides).
    func apiToken(hash: Data) async throws -> APITokenRecord?
    func apiTokens() async throws -> [APITokenRecord]
    /// Revokes a token, audited; false when there is no such token or it was already revoked.
    func revokeAPIToken(_ id: String, at: Date, by actor: String) async throws -> Bool
}

/// Everything Lethe persists, behind one protocol: SQLite now, PostgreSQL later; one conformance
/// suite runs against every implementation.
public protocol LetheStore: AccountRepository, KeyRepository, AuditRepository, OutboxRepository, RequestRepository,
    JobRepository, HoldRepository, ExportBundleRepository, ErasureRepository, RecipientRepository,
    RetentionRepository, AccessRepository, AgentRepository
{}

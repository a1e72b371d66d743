import Foundation
import LetheCore
import LetheCrypto

/// Customer accounts and everything attached to them.
public protocol AccountRepository: Sendable {
    /// Creates the account, its data key, addresses, a record note, a welcome message and an
    /// `account.created` audit entry in one transaction; nothing is written when any step fails.
    ///
    /// The email (and phone, if any) is normalised and indexed through its blind index; the email must not
    /// belong to another account under any loaded master-key version.
    ///
    /// - Throws: `StoreError.accountIDTaken(_:)` when `id` exists (the caller picks another),
    ///   `StoreError.emailInUse` when another account has the email, and `StoreError.invalidValue(field:reason:)`
    ///   when the email or phone cannot be normalised.
    func createAccount(_ id: AccountID, _ account: NewAccount, note: RecordNote, welcome: OutboxMessage) async throws
    /// The account with its addresses and card summaries (brand, last four digits, expiry), decrypted, or
    /// nil when there is no such account. Read from one snapshot.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the row exists but its data key does not, or a `CryptoError`
    ///   when a stored value fails to open.
    func account(_ id: AccountID) async throws -> Account?
    /// Finds an account by email through the blind index, under every loaded master-key version, so an
    /// account indexed before a rotation is still found; nil when none matches.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the email cannot be normalised.
    func accountID(forEmail email: String) async throws -> AccountID?
    /// Finds an account by E.164 phone through the blind index, under every loaded master-key version;
    /// nil when none matches.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the number cannot be normalised (for example,
    ///   it has no country code).
    func accountID(forPhone phone: String) async throws -> AccountID?
    /// Applies every change, the record note, the customer's notification and an `account.changed` audit
    /// entry in one transaction: either all of it is stored or none.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key (unknown or erased),
    ///   `StoreError.accountNotFound(_:)` when the key exists but the account row does not,
    ///   `StoreError.emailInUse`, `StoreError.addressNotFound(_:_:)`,
    ///   `StoreError.paymentMethodNotFound(_:_:)`, or `StoreError.invalidValue(field:reason:)` for a phone
    ///   number that cannot be normalised.
    func updateAccount(
        _ id: AccountID,
        changes: [AccountChange],
        note: RecordNote,
        notification: OutboxMessage?
    ) async throws
    /// The stored (normalised) security answer, decrypted for verification by the engine; nil when the
    /// account has none or does not exist.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the answer exists but the account's key does not.
    func securityAnswer(_ id: AccountID) async throws -> String?
    /// Record notes matching `query` for supervisor review, newest first, at most `query.limit` (at least
    /// one), each reason decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when a matching note's account key is gone.
    func recordNotes(_ query: RecordNoteQuery) async throws -> [RecordNote]
    /// Holds a change for a supervisor instead of applying it: stores the proposed values and the reason
    /// sealed, with an `account.change-escalated` audit entry, in one transaction.
    ///
    /// - Returns: The escalation's id.
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key (unknown or erased).
    func escalate(
        _ id: AccountID,
        at: Date,
        requestedBy: String,
        kind: String,
        changes: [String: String],
        reason: String
    )
        async throws -> Int64
    /// Escalations in `status` (such as `open`), oldest first, with their reasons decrypted; the proposed
    /// values are not returned, only the names of the fields they change.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when an escalation's account key is gone.
    func escalations(status: String) async throws -> [Escalation]
    /// Records orders against the account, items and shipping address sealed, in one transaction.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func addOrders(_ id: AccountID, _ orders: [NewOrder]) async throws
    /// The account's orders, oldest first (by time placed), decrypted; all of them when `limit` is nil.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key, even if it has no orders.
    func orders(_ id: AccountID, limit: Int?) async throws -> [OrderRecord]
    /// Orders with an id after `afterID` (from the first when nil), in id order, at most `limit` (at least
    /// one): exports stream them a page at a time in bounded memory.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func ordersPage(_ id: AccountID, after afterID: Int64?, limit: Int) async throws -> [OrderRecord]
    /// The account's support interactions, oldest first, transcripts decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func supportInteractions(_ id: AccountID) async throws -> [(at: Date, channel: String, transcript: String)]
    /// The account's security events, oldest first, with client address and user agent decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func securityEvents(
        _ id: AccountID
    ) async throws -> [(at: Date, kind: String, ipAddress: String?, userAgent: String?)]
    /// Records one support interaction, its transcript sealed under the account's key.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func addSupportInteraction(_ id: AccountID, at: Date, channel: String, transcript: String) async throws
    /// Records one security event (a sign-in, a password change), address and user agent sealed.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func addSecurityEvent(_ id: AccountID, at: Date, kind: String, ipAddress: String?, userAgent: String?) async throws
    /// Appends one decision to the account's consent ledger, which is append-only: rows are never updated
    /// and go only with the account.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func appendConsent(_ id: AccountID, _ consent: ConsentRecord) async throws
    /// The account's consent ledger, oldest first, source details decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func consents(_ id: AccountID) async throws -> [ConsentRecord]
    /// Removes every row of the customer and destroys their data key, in one transaction, and evicts the
    /// key from the cache. The plain removal the conformance suite uses: nothing is kept, and no receipt,
    /// suppression token or audit entry is written (see ``ErasureRepository/eraseCustomer(_:request:plan:at:)``).
    ///
    /// - Returns: The number of rows removed, over every table; 0 for an unknown account.
    func eraseAccount(_ id: AccountID) async throws -> Int
    /// How many accounts exist.
    func accountCount() async throws -> Int
    /// The account's status alone (no decryption), or nil when there is no such account: read on every
    /// customer request, so that a deactivation ends the customer's sessions at once in every process.
    func accountStatus(_ id: AccountID) async throws -> AccountStatus?
}

/// Wrapped data keys, for rotation and status.
public protocol KeyRepository: Sendable {
    /// How many data keys each master version still wraps: customers' keys, keys of requests about
    /// unknown people, and Lethe's own keys (recipients, agents).
    func dataKeyCounts() async throws -> [UInt32: Int]
    /// Rewraps up to `limit` data keys not yet under the vault's primary master version; the keys
    /// themselves, and so every field ciphertext, stay the same. Each call is its own transaction, so a
    /// rotation can stop and resume at any point, and processes rotating at once share the work.
    ///
    /// - Returns: How many keys were rewrapped; 0 when none is left.
    /// - Throws: `CryptoError.unknownMasterKeyVersion(_:)` when a key is wrapped under a version the keyring
    ///   no longer holds.
    func rewrapDataKeys(limit: Int) async throws -> Int
    /// What each master version still secures (data keys, blind-index tokens, suppressions, audit MACs):
    /// `lethe keys retire` refuses a version that is still in use. Version 0 collects tokens written before
    /// tokens recorded their version.
    func keyVersionUsage() async throws -> [UInt32: KeyVersionUsage]
    /// Recomputes up to `limit` accounts' blind-index tokens under the primary version; resumable and safe
    /// to run from several processes, since each row is updated only if its token is still the one read.
    ///
    /// - Returns: How many accounts were moved; 0 when none is left.
    /// - Throws: `StoreError.keyMissing(_:)` when an account's key is gone.
    func reindexBlindIndexes(limit: Int) async throws -> Int
}

/// The tamper-evident audit trail.
public protocol AuditRepository: Sendable {
    /// Appends `event` to the MAC chain and moves the anchored head, in one transaction. A reason about
    /// an account is free text that can name the customer, and the trail outlives the account, so it is
    /// sealed under the account's key and shredded with it.
    ///
    /// - Returns: The entry's sequence number.
    /// - Throws: `StoreError.invalidValue(field:reason:)` when a text holds a NUL character or an id holds a
    ///   control character.
    @discardableResult
    func appendAudit(_ event: AuditEvent) async throws -> Int64
    /// Entries as stored, in sequence order (a sealed reason stays sealed, so the MAC can be checked); see
    /// ``auditReason(_:)``. Only the entries about one subject when both `subjectType` and `subjectID` are
    /// given, else every entry.
    func auditEntries(subjectType: String?, subjectID: String?) async throws -> [AuditEntry]
    /// The entry's reason for display: opened when sealed, or a placeholder once the customer's key is
    /// erased; nil when the entry has no reason.
    func auditReason(_ entry: AuditEntry) async throws -> String?
    /// The sequence number of the first entry whose MAC or link does not verify, or of the first entry
    /// missing before the anchored head (the newest entries were deleted), or nil when the chain is whole.
    /// Verification starts after the purged prefix, from its authenticated checkpoint.
    ///
    /// - Throws: `CryptoError.unknownMasterKeyVersion(_:)` when an entry was MACed under a version the
    ///   keyring no longer holds.
    func firstBrokenAuditEntry() async throws -> Int64?
    /// The chain's anchored head (newest sequence number and MAC), for an outside witness; nil while the
    /// chain is empty.
    func auditHead() async throws -> AuditHead?
    /// Anchors a chain written before heads existed at its current end; does nothing otherwise.
    func anchorAuditHeadIfMissing() async throws
    /// Re-MACs the verified audit trail (entries, checkpoint and head) under the primary version, in one
    /// transaction, so an older version can be retired.
    ///
    /// - Returns: How many entries were re-MACed.
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the chain does not verify; nothing is rewritten.
    func reMACAuditTrail() async throws -> Int
}

/// The transactional outbox.
public protocol OutboxRepository: Sendable {
    /// Up to `limit` pending messages due at `now`, oldest first, without claiming them (for inspection).
    /// A message whose key was shredded comes back without its recipient and parameters.
    func pendingMessages(limit: Int, now: Date) async throws -> [PendingMessage]
    /// Claims up to `limit` due messages for `claimFor` seconds and returns them: workers claiming at
    /// once get different messages, and a claim that runs out (its worker died) frees the message again.
    func claimMessages(limit: Int, now: Date, claimFor: TimeInterval) async throws -> [PendingMessage]
    /// Claims one message by id, if it is pending and due: for a workflow that waits on that message; nil
    /// when it is not (delivered, failed, claimed by another worker, or unknown).
    func claimMessage(_ id: Int64, now: Date, claimFor: TimeInterval) async throws -> PendingMessage?
    /// Marks a message delivered at `at`; it is not claimed again. An unknown id changes nothing.
    func markDelivered(_ id: Int64, at: Date) async throws
    /// Records a failed delivery and its error (truncated); the message is tried again at `retryAt`, or
    /// marked failed for good once it has had `maxAttempts` attempts.
    func markFailed(_ id: Int64, error: String, retryAt: Date, maxAttempts: Int) async throws
}

/// Privacy requests, their events, deadlines, codes and alerts.
public protocol RequestRepository: Sendable {
    /// Records a submission durably: a new request, the existing one for a repeated idempotency key,
    /// or a link to the customer's open request of the same kind. Everything in `record` (events,
    /// deadlines, code, messages, audit) commits together or not at all, in one transaction. A request
    /// about someone without an account gets a data key of its own, created in the same transaction.
    ///
    /// - Returns: `.created` with the new id, `.repeated` with the request the idempotency key already
    ///   made, or `.linked` with the open request the submission was linked to.
    func createRequest(_ record: NewRequestRecord) async throws -> IntakeOutcome
    /// The request with its lifecycle, schedule, pauses and decrypted free text, or nil when there is no
    /// such request. After the subject's erasure the record stays readable: free-text reasons read
    /// `(erased)` and the requester email is nil.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when a stored event, kind or channel is not readable.
    func request(_ id: RequestID) async throws -> StoredRequest?
    /// Applies `update` only if the request is still in `expected` status (compare-and-set), so two
    /// officers or workers acting at once cannot both move it. The status, event, schedule and deadline
    /// history, pauses, notices, jobs and audit entries commit in one transaction.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when there is no such request or another actor
    ///   moved it first (nothing is applied), and `StoreError.subjectErased(_:)` when `update` would send
    ///   to, or seal for, an erased subject.
    func updateRequest(_ id: RequestID, expecting expected: RequestStatus, _ update: RequestUpdate) async throws
    /// The queue matching `query`, most urgent first (binding due date, then receipt), at most
    /// `query.limit` (at least one).
    func listRequests(_ query: RequestQuery) async throws -> [RequestSummary]
    /// Every change to the request's due dates, oldest first, starting with the schedule at receipt.
    func deadlineHistory(_ id: RequestID) async throws -> [DeadlineChange]
    /// The current code for a purpose (a request id, or `account:TR-xxxxx`), locked or not, or nil when
    /// none was issued. Only the code's keyed hash is stored, never its digits.
    func verificationCode(_ purpose: String) async throws -> VerificationCodeRecord?
    /// Counts an attempt in one transaction; a right code is spent (locked), a wrong one locks the code
    /// after `maxAttempts`.
    ///
    /// - Returns: The code as it stands after the attempt, or nil when there is no code for `purpose`.
    func recordCodeAttempt(_ purpose: String, succeeded: Bool, maxAttempts: Int) async throws -> VerificationCodeRecord?
    /// Stores a new code for `purpose` (replacing any, with fresh attempts) and queues its message sealed
    /// under `keyOwner`'s key, in one transaction; the send counts against `rateSubject`'s limit (sign-in
    /// codes have a limit of their own).
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when `keyOwner` has no data key.
    func replaceCode(
        _ purpose: String,
        keyOwner: String,
        rateSubject: String,
        _ code: VerificationCodeRecord,
        message: OutboxMessage
    ) async throws
    /// Codes sent since `since` to a subject and to an address (blind index), for rate limits.
    func codeSends(subject: String, addressIndex: [UInt8], since: Date) async throws -> (subject: Int, address: Int)
    /// Raises an alert once per request and threshold, with its optional message and its audit entry in
    /// one transaction; returns false when it was already raised. With a `message`, it also returns false,
    /// raising nothing, when the request or its subject's key is gone.
    func raiseAlert(_ alert: RequestAlert, message: OutboxMessage?, audit: AuditEvent) async throws -> Bool
    /// The alerts raised for a request, oldest first.
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

/// Durable jobs: leased with a timeout, retried with backoff, dead-lettered after the last try.
public protocol JobRepository: Sendable {
    /// Enqueues `job` as ready unless a job with the same dedupe key already exists, in any status;
    /// returns whether it was added.
    @discardableResult
    func enqueue(_ job: NewJob) async throws -> Bool
    /// Leases up to `limit` ready jobs (or jobs whose lease expired) to `worker` until `now + lease`,
    /// oldest due first, each under a fresh random token; only jobs of `kinds` when given (the purge runs
    /// erasures only). A lease that ran out on a job's last attempt dead-letters it instead. Leasing counts
    /// no attempt (see ``startJob(_:now:)``); workers leasing at once get different jobs.
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
    /// How many jobs are in each status.
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
    /// Places a hold, its reason sealed under the customer's key, with a `hold.placed` audit entry, in one
    /// transaction.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key (unknown or erased).
    func placeHold(_ hold: LegalHold) async throws
    /// Releases a hold at `at`, audited as `hold.released` in the same transaction; false when it does not
    /// exist or was already released.
    func releaseHold(_ id: String, at: Date, by: String) async throws -> Bool
    /// Holds on an account that are in force at `instant`.
    func activeHolds(_ account: AccountID, at instant: Date) async throws -> [LegalHold]
    /// Every hold in force (and released ones too when `includeReleased`), oldest first; the reason of a
    /// hold whose customer was erased reads `(erased)`.
    func holds(includeReleased: Bool) async throws -> [LegalHold]
}

/// Export-bundle metadata (the bundle files themselves live encrypted under `Exports/`).
public protocol ExportBundleRepository: Sendable {
    /// Records a bundle built for a request, with its expiry and the downloads it allows.
    func recordBundle(_ bundle: ExportBundleRecord) async throws
    /// The bundle's record, or nil when there is none.
    func bundle(_ id: String) async throws -> ExportBundleRecord?
    /// The bundle built for `request`, so a retried export job reuses it instead of building another.
    func bundle(forRequest request: RequestID) async throws -> ExportBundleRecord?
    /// Counts one download if the link is still valid (not expired at `at`, downloads left), in one
    /// statement, so two downloads racing for the last use cannot both win.
    ///
    /// - Returns: The record after counting (`downloadsLeft` already reduced), or nil when the bundle is
    ///   unknown, expired or used up.
    func takeDownload(_ id: String, at: Date) async throws -> ExportBundleRecord?
    /// Bundles whose links expired by `instant` or whose downloads are used up, earliest expiry first.
    func expiredBundles(at instant: Date) async throws -> [ExportBundleRecord]
    /// Deletes the bundle's record; its file is the caller's to remove. An unknown id changes nothing.
    func deleteBundleRecord(_ id: String) async throws
}

/// Erasure of a customer with evidence, and the records that outlive it.
public protocol ErasureRepository: Sendable {
    /// In one transaction: files the plan's kept categories minimised under a pseudonym, records
    /// suppression tokens, deletes every row of the customer and their data key, and stores the receipt
    /// with an `account.erased` audit entry. Then evicts the key from the vault's cache and, on SQLite,
    /// empties the WAL before returning, so an acknowledged erasure leaves no copy of the wrapped key.
    /// Running it again for the same request returns the first receipt and changes nothing.
    ///
    /// - Returns: The deletion receipt: rows erased per table, and what was kept, under which basis, until when.
    func eraseCustomer(_ id: AccountID, request: RequestID, plan: ErasurePlan, at: Date) async throws -> DeletionReceipt
    /// The receipt of the erasure made for `request`, or nil when there was none.
    func deletionReceipt(_ request: RequestID) async throws -> DeletionReceipt?
    /// Whether an email (as its blind-index token, under every loaded master-key version) belongs to an
    /// erased customer.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the email cannot be normalised.
    func isSuppressed(email: String) async throws -> Bool
    /// The suppression list, oldest first: every entry, or those of one erasure.
    func suppressionEntries(request: RequestID?) async throws -> [SuppressionEntry]
    /// Adds entries the list lacks (after a restore); returns how many were added.
    func restoreSuppressions(_ entries: [SuppressionEntry]) async throws -> Int
    /// Accounts whose email or phone token is on the suppression list, with the erasure that listed it:
    /// customers a restored backup brought back.
    func suppressedAccounts() async throws -> [(account: AccountID, request: RequestID)]
    /// Queues one message sealed under `keyOwner`'s key and returns its id, so a caller can wait for its
    /// delivery. With a `dedupeKey`, the id of a message already queued under that key is returned instead
    /// of a new one, so a retried job notifies once under one message id.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when `keyOwner` has no data key (erased or unknown).
    func enqueueMessage(_ message: OutboxMessage, keyOwner: String, at: Date, dedupeKey: String?) async throws -> Int64
    /// Whether the message has been delivered; false while pending, after it failed, or once its row is gone.
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
    /// Registers a recipient and audits it in one transaction; false (and nothing written) when the id is taken.
    @discardableResult
    func addRecipient(_ recipient: Recipient, secret: String, at: Date, by actor: String) async throws -> Bool
    /// Every registered recipient, by name, without secrets.
    func recipients() async throws -> [Recipient]
    /// The recipient's signing secret, decrypted, or nil when there is no such recipient.
    func recipientSecret(_ id: String) async throws -> String?
    /// Records that `request` must be passed to these recipients (pending), once each.
    func addRequestRecipients(_ request: RequestID, recipients: [String], action: String, at: Date) async throws
    /// The recipients `request` must be passed to, with each one's action and status, by recipient name.
    func requestRecipients(_ request: RequestID) async throws -> [RequestRecipient]
    /// Settles one recipient of a request, audited in the same transaction; false when it was not pending
    /// or not part of the request.
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
    /// Takes the purge lease until `claim.expiresAt`, or returns who holds it. A holder named in
    /// `replacing` (found dead by the caller) is taken over even before its lease runs out.
    ///
    /// - Returns: nil when the lease is now `claim`'s, else the current holder.
    func acquirePurgeLease(_ claim: PurgeLeaseHolder, replacing: String?) async throws -> PurgeLeaseHolder?
    /// Extends the lease; false when it was lost (taken over after expiring).
    func renewPurgeLease(holder: String, until: Date) async throws -> Bool
    /// Gives the purge lease up, if `holder` still holds it; otherwise does nothing.
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
    /// Not for export bundles (their files go first), inactive accounts or pending deletions (erased
    /// whole), audit entries (see ``purgeAuditEntries(cutoff:holds:limit:checkpoint:)``) or the mail spool.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` for one of the targets above.
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
    /// Adds a staff user, audited as `staff.added` in the same transaction.
    ///
    /// - Throws: `StoreError.staffExists(_:)` when the name is taken.
    func addStaffUser(_ user: StaffUserRecord, by actor: String) async throws
    /// The staff user, disabled or not, or nil when there is none.
    func staffUser(_ username: String) async throws -> StaffUserRecord?
    /// Every staff user, by name.
    func staffUsers() async throws -> [StaffUserRecord]
    /// Replaces a staff user's password hash (and re-enables them) and ends their sessions, audited, in one
    /// transaction.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when there is no such user.
    func setStaffPassword(_ username: String, hash: String, at: Date, by actor: String) async throws
    /// Disables a staff user and ends their sessions, audited; false when there is no such user.
    func disableStaffUser(_ username: String, at: Date, by actor: String) async throws -> Bool
    /// Counts one failed sign-in against `key` (a username or a client address).
    func recordSignInFailure(key: String, at: Date) async throws
    /// How many failed sign-ins were counted against `key` since `since` (failures older than a day are dropped).
    func signInFailures(key: String, since: Date) async throws -> Int
    /// Forgets every failed sign-in counted against `key`, after a successful one.
    func clearSignInFailures(key: String) async throws
    /// Stores a session under the SHA-256 of its token.
    func createSession(hash: Data, _ session: SessionRecord) async throws
    /// The session whose token hashes to `hash`, unless it has expired by `at` or belongs to a disabled
    /// staff user.
    func session(hash: Data, at: Date) async throws -> SessionRecord?
    /// Ends the session whose token hashes to `hash` (sign-out); an unknown hash changes nothing.
    func deleteSession(hash: Data) async throws
    /// Removes sessions that expired at or before `instant`; returns how many.
    func deleteExpiredSessions(before instant: Date) async throws -> Int
    /// Stores a token under the SHA-256 of its secret, audited.
    func addAPIToken(_ token: APITokenRecord, hash: Data) async throws
    /// The token whose secret hashes to `hash`, revoked or not (the caller decides).
    func apiToken(hash: Data) async throws -> APITokenRecord?
    /// Every API token, revoked or not, oldest first; only hashes of their secrets are stored.
    func apiTokens() async throws -> [APITokenRecord]
    /// Revokes a token, audited; false when there is no such token or it was already revoked.
    func revokeAPIToken(_ id: String, at: Date, by actor: String) async throws -> Bool
}

/// Everything Lethe persists, behind one protocol: ``SQLStore`` implements it on SQLite (embedded, the
/// default) and on PostgreSQL (shared by several nodes); one conformance suite runs against both.
///
/// Callers hand the store plaintext and get plaintext back: every personal column is sealed under its
/// customer's data key before it reaches the database. Each requirement that writes is one transaction.
/// Besides the errors each requirement names, any of them can throw the database's own errors, and a
/// `CryptoError` when a stored ciphertext fails to open or a key is wrapped under a master-key version
/// the keyring no longer holds.
public protocol LetheStore: AccountRepository, KeyRepository, AuditRepository, OutboxRepository, RequestRepository,
    JobRepository, HoldRepository, ExportBundleRepository, ErasureRepository, RecipientRepository,
    RetentionRepository, AccessRepository, AgentRepository
{}

import Foundation
import LetheCore
import LetheCrypto

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
    /// Whether the request's receipt acknowledgement was delivered, is waiting, failed, or was never queued.
    func acknowledgement(of request: RequestID) async throws -> AcknowledgementStatus
    /// The appeal lodged against `request`, if any (there is at most one: a second is linked to it).
    func appeal(of request: RequestID) async throws -> RequestID?
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

import Foundation
import LetheCore
import LetheStore

/// What the audit trail says about itself: intact, cut short, unanchored, or broken at one entry.
public enum AuditTrailState: Sendable, Equatable {
    /// Every MAC and link checks out. `head` is the anchored last entry (print it so that an outside
    /// record can later prove a rollback); `checkpoint` is where verification started when older
    /// entries were purged under the retention rule.
    case intact(entries: Int, head: AuditHead?, checkpoint: AuditCheckpoint?)
    /// Entries `from` to `to` are missing from the end: the anchored head names a later entry.
    case cut(from: Int64, to: Int64)
    /// There are entries but no anchored head (it was deleted, or never written).
    case headMissing
    /// Entry `at` (of `entries`), or one before it, was edited, deleted or reordered.
    case broken(at: Int64, entries: Int)
}

/// The evidence a privacy officer or an auditor reads: the audit trail, deletion receipts, recipients
/// told of an erasure, legal holds and purge runs. Front ends read these here, never from the store.
public struct Evidence: Sendable {
    let store: any AuditRepository & ErasureRepository & HoldRepository & RecipientRepository & RetentionRepository
    let clock: any WallClock

    init(
        store: any AuditRepository & ErasureRepository & HoldRepository & RecipientRepository & RetentionRepository,
        clock: any WallClock
    ) {
        self.store = store
        self.clock = clock
    }

    /// Records, as a security event in the audit trail, that a stored value failed its integrity check
    /// while serving `path` (the route only: never the value, which could not be read anyway).
    /// - Throws: the store's errors.
    public func recordIntegrityFailure(path: String) async throws {
        _ = try await store.appendAudit(
            AuditEvent(
                at: clock.now(),
                actor: "system:integrity",
                action: "integrity.failed",
                subjectType: "route",
                subjectID: String(path.prefix(200))
            )
        )
    }

    /// Audit entries, oldest first; for one subject (`"request"`, `"account"`, …) when both are given.
    /// - Throws: the store's errors.
    public func auditEntries(subjectType: String? = nil, subjectID: String? = nil) async throws -> [AuditEntry] {
        try await store.auditEntries(subjectType: subjectType, subjectID: subjectID)
    }

    /// The entry's sealed reason in clear, or nil when it has none or its key was destroyed.
    /// - Throws: the store's errors.
    public func reason(of entry: AuditEntry) async throws -> String? {
        try await store.auditReason(entry)
    }

    /// The anchored head of the chain (its last entry and MAC), when one is written.
    /// - Throws: the store's errors.
    public func auditHead() async throws -> AuditHead? {
        try await store.auditHead()
    }

    /// The first entry that fails its MAC or link (or the head check), or nil when the chain verifies: one
    /// pass in the store, without loading the trail. Pages and the API ask only this.
    /// - Throws: the store's errors (a broken chain is a result, not an error).
    public func firstBrokenAuditEntry() async throws -> Int64? {
        try await store.firstBrokenAuditEntry()
    }

    /// Checks every entry's MAC and link, and the chain's end against its anchored head, and says which
    /// way it failed (for `lethe audit verify`, which also counts the entries).
    /// - Throws: the store's errors (a broken chain is a result, not an error).
    public func verifyAuditTrail() async throws -> AuditTrailState {
        let entries = try await store.auditEntries(subjectType: nil, subjectID: nil)
        let head = try await store.auditHead()
        if let broken = try await store.firstBrokenAuditEntry() {
            if let head, broken > (entries.last?.seq ?? 0), broken <= head.seq {
                return .cut(from: broken, to: head.seq)
            }
            if head == nil, !entries.isEmpty { return .headMissing }
            return .broken(at: broken, entries: entries.count)
        }
        return .intact(entries: entries.count, head: head, checkpoint: try await store.auditCheckpoint())
    }

    /// The receipt of a completed deletion: what was erased, what was kept and why.
    /// - Throws: the store's errors.
    public func deletionReceipt(_ request: RequestID) async throws -> DeletionReceipt? {
        try await store.deletionReceipt(request)
    }

    /// The recipients told of a request (GDPR Art 19) and what each answered.
    /// - Throws: the store's errors.
    public func recipients(of request: RequestID) async throws -> [RequestRecipient] {
        try await store.requestRecipients(request)
    }

    /// Legal holds, in force only unless `includeReleased`.
    /// - Throws: the store's errors.
    public func holds(includeReleased: Bool = false) async throws -> [LegalHold] {
        try await store.holds(includeReleased: includeReleased)
    }

    /// The holds in force on one account at `instant`.
    /// - Throws: the store's errors.
    public func activeHolds(_ account: AccountID, at instant: Date) async throws -> [LegalHold] {
        try await store.activeHolds(account, at: instant)
    }

    /// The latest purge runs, newest first, optionally of one status.
    /// - Throws: the store's errors.
    public func purgeRuns(status: PurgeRunStatus? = nil, limit: Int = 20) async throws -> [PurgeRunRecord] {
        try await store.purgeRuns(status: status, limit: limit)
    }
}

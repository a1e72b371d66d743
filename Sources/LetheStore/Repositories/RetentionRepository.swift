import Foundation
import LetheCore
import LetheCrypto

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

import Foundation
import LetheCore
import LetheStore
import Logging

// Each rule's steps: what a target purges, in batches under the lease, and what its holds keep.
extension RetentionScheduler {
    // MARK: Steps

    struct Lease {
        let holder: String
        let runID: String
    }

    func perform(
        _ step: Step,
        rule: RetentionRule,
        into outcome: inout RuleOutcome,
        holds: RetentionHolds,
        run lease: Lease?,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        switch step {
        case .graceErasures:
            try await graceErasures(rule: rule, into: &outcome, holds: holds, lease: lease, progress: progress)
        case .inactiveAccounts(let cutoff):
            try await inactiveAccounts(rule: rule, cutoff: cutoff, into: &outcome, holds: holds, lease: lease)
        case .batches(let target, let cutoff):
            if let lease {
                let checkpoint = PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: target)
                outcome.purged[target.rawValue, default: 0] += try await drain(lease) { total in
                    progress("purge: \(rule.id): \(target.rawValue) \(total)")
                    return try await store.purgeBatch(
                        target,
                        cutoff: cutoff,
                        holds: holds,
                        limit: batchSize,
                        checkpoint: checkpoint
                    )
                }
            }
            try await countHeld(target, cutoff: cutoff, holds: holds, into: &outcome, dryRun: lease == nil)
        case .bundles(let cutoff):
            try await bundles(rule: rule, cutoff: cutoff, into: &outcome, holds: holds, lease: lease)
            try await countHeld(.exportBundles, cutoff: cutoff, holds: holds, into: &outcome, dryRun: lease == nil)
        case .spool(let cutoff):
            try await spool(rule: rule, cutoff: cutoff, into: &outcome, holds: holds, lease: lease)
        case .audit(let cutoff):
            if let lease {
                let checkpoint = PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: .auditEntries)
                outcome.purged[PurgeTarget.auditEntries.rawValue, default: 0] += try await drain(lease) { _ in
                    try await store.purgeAuditEntries(
                        cutoff: cutoff,
                        holds: holds,
                        limit: batchSize,
                        checkpoint: checkpoint
                    )
                }
            }
            try await countHeld(.auditEntries, cutoff: cutoff, holds: holds, into: &outcome, dryRun: lease == nil)
        }
    }

    /// Runs `batch` (given the total so far) until it purges nothing, renewing the lease between
    /// batches (and so stopping there on shutdown); returns the total.
    func drain(_ lease: Lease, _ batch: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let n = try await batch(total)
            if n == 0 { return total }
            total += n
            try await renew(lease)
        }
    }

    /// Adds what holds keep (and, in a dry run, what would go) for `target`.
    func countHeld(
        _ target: PurgeTarget,
        cutoff: Date,
        holds: RetentionHolds,
        into outcome: inout RuleOutcome,
        dryRun: Bool
    ) async throws {
        let count = try await store.countDue(target, cutoff: cutoff, holds: holds)
        if dryRun { outcome.purged[target.rawValue, default: 0] += count.due }
        if count.held > 0 {
            outcome.held[target.rawValue, default: 0] += count.held
            outcome.holds += count.holds
        }
    }

    func graceErasures(
        rule: RetentionRule,
        into outcome: inout RuleOutcome,
        holds: RetentionHolds,
        lease: Lease?,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        let target = "erasure-jobs"
        if let lease, let eraseJobs {
            var done = 0
            // Each erasure adds itself to this run's checkpoint in its own transaction.
            let checkpoint = PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: .pendingDeletions)
            while true {
                let pass = try await Erasure.$purgeCheckpoint.withValue(checkpoint) {
                    try await eraseJobs.runOnce(limit: batchSize)
                }
                done += pass.completed
                if pass.retried + pass.dead > 0 {
                    outcome.failures.append(
                        "\(pass.retried) erasure job(s) failed and will be retried, \(pass.dead) gave up (see 'lethe jobs status')"
                    )
                }
                progress("purge: \(rule.id): \(done) erasure job(s)")
                try await renew(lease)
                if pass.completed == 0 { break }
            }
            outcome.purged[target, default: 0] += done
            let backlog = try await store.jobBacklog(kinds: Self.eraseJobKinds, now: holds.asOf)
            if backlog.leased > 0 {
                outcome.failures.append(
                    "\(backlog.leased) erasure job(s) are leased by another worker and not finished yet"
                )
            }
        } else {
            let backlog = try await store.jobBacklog(kinds: Self.eraseJobKinds, now: holds.asOf)
            outcome.purged[target, default: 0] += backlog.ready
            if lease != nil, backlog.ready > 0 {
                outcome.failures.append("\(backlog.ready) erasure job(s) are due and left to the job worker")
            }
        }
        let held = try await store.countDue(.pendingDeletions, cutoff: holds.asOf, holds: holds)
        let legal = held.holds.filter { $0.reason == .legalHold }
        if !legal.isEmpty {
            outcome.held[PurgeTarget.pendingDeletions.rawValue] = Set(legal.map(\.accountID)).count
            outcome.holds += legal
        }
    }

    func inactiveAccounts(
        rule: RetentionRule,
        cutoff: Date,
        into outcome: inout RuleOutcome,
        holds: RetentionHolds,
        lease: Lease?
    ) async throws {
        let target = PurgeTarget.inactiveAccounts
        if let lease {
            var erased = 0
            var failed = Set<AccountID>()
            while true {
                let due = try await store.dueInactiveAccounts(
                    cutoff: cutoff,
                    holds: holds,
                    limit: batchSize + failed.count
                )
                .filter { !failed.contains($0.id) }
                if due.isEmpty { break }
                for account in due {
                    // The receipt key names the account and its creation, so a later account reusing the id is
                    // never mistaken for this one, and a rerun after a crash finds the first receipt.
                    let key = RequestID(
                        "retention:\(rule.id):\(account.id):\(Int64(account.createdAt.timeIntervalSince1970))"
                    )
                    do {
                        try await erasure.erase(
                            account.id,
                            receipt: key,
                            at: holds.asOf,
                            checkpoint: PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: target)
                        )
                        erased += 1
                    } catch {
                        failed.insert(account.id)
                        outcome.failures.append("erasing \(account.id) failed: \(error)")
                        logger.error("retention erasure failed", metadata: ["account": "\(account.id)"])
                    }
                }
                try await renew(lease)
            }
            outcome.purged[target.rawValue, default: 0] += erased
        }
        try await countHeld(target, cutoff: cutoff, holds: holds, into: &outcome, dryRun: lease == nil)
    }

    func bundles(
        rule: RetentionRule,
        cutoff: Date,
        into outcome: inout RuleOutcome,
        holds: RetentionHolds,
        lease: Lease?
    ) async throws {
        guard let lease else { return }
        let checkpoint = PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: .exportBundles)
        var removed = 0
        var failed = Set<String>()
        while true {
            let due = try await store.dueBundles(cutoff: cutoff, holds: holds, limit: batchSize + failed.count)
                .filter { !failed.contains($0.id) }
            if due.isEmpty { break }
            for bundle in due {
                // The file goes first: a crash in between leaves a record without a file, which the next run
                // removes; never a file without a record, which nothing would find.
                if let exportsFolder {
                    let path = (exportsFolder as NSString).appendingPathComponent(bundle.path)
                    if unlink(path) != 0 && errno != ENOENT {
                        failed.insert(bundle.id)
                        outcome.failures.append("cannot remove the file of bundle \(bundle.id): errno \(errno)")
                        continue
                    }
                }
                if try await store.purgeBundleRecord(bundle.id, checkpoint: checkpoint) { removed += 1 }
            }
            try await renew(lease)
        }
        outcome.purged[PurgeTarget.exportBundles.rawValue, default: 0] += removed
    }

    func spool(
        rule: RetentionRule,
        cutoff: Date,
        into outcome: inout RuleOutcome,
        holds: RetentionHolds,
        lease: Lease?
    ) async throws {
        guard let mailFolder else { return }
        let kept = try await store.heldMessageIDs(holds: holds, category: .notifications)
        var due: [String] = []
        var held = 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: mailFolder)) ?? []
        // `lethe-<outbox id>.eml`. A file whose outbox row is gone belongs to an erased customer (the
        // erasure removes their files after it commits; a crash in between leaves orphans): it goes now,
        // whatever its age.
        func outboxID(_ name: String) -> Int64? { Int64(name.dropFirst("lethe-".count).dropLast(".eml".count)) }
        let spooled = names.filter { $0.hasSuffix(".eml") }
        let existing = try await store.existingMessageIDs(spooled.compactMap(outboxID))
        for name in spooled {
            let path = (mailFolder as NSString).appendingPathComponent(name)
            let id = outboxID(name)
            let orphaned = id.map { !existing.contains($0) } ?? false
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let modified = attributes[.modificationDate] as? Date, modified <= cutoff || orphaned
            else { continue }
            // A held customer's notices stay with their outbox rows.
            if let id, kept.contains(id) {
                held += 1
            } else {
                due.append(path)
            }
        }
        let target = PurgeTarget.mailSpool.rawValue
        if held > 0 { outcome.held[target, default: 0] += held }
        guard let lease else {
            outcome.purged[target, default: 0] += due.count
            return
        }
        let checkpoint = PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: .mailSpool)
        var removed = 0
        for chunk in stride(from: 0, to: due.count, by: max(1, batchSize)) {
            var n = 0
            for path in due[chunk..<min(due.count, chunk + batchSize)] where unlink(path) == 0 { n += 1 }
            try await store.recordPurged(n, checkpoint: checkpoint)
            removed += n
            try await renew(lease)
        }
        outcome.purged[target, default: 0] += removed
    }
}

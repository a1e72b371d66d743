import Foundation
import LetheCore
import LetheStore
import Logging

/// Applies `Policies/retention.yaml`: finds everything whose grace or retention period has ended and
/// erases it, holds first, in bounded batches that each commit with their checkpoint, and leaves a
/// purge receipt in the audit trail.
///
/// One purge runs at a time per database (a lease the store keeps); a second waits or stops with the
/// holder's name. A run killed at any instant leaves whole batches and whole customers only: the next
/// run closes the dead run from its checkpoint and finishes the work, and a pass with nothing due
/// changes nothing but its own receipt.
public struct RetentionScheduler: Sendable {
    let store:
        any AccountRepository & AuditRepository & ErasureRepository & ExportBundleRepository & HoldRepository
            & JobRepository & RecipientRepository & RequestRepository & RetentionRepository
    let policies: PolicySet
    /// The rules' clock: now, or the `--as-of` instant of a drill.
    let clock: any WallClock
    /// Real time, for the lease and the run's duration, whatever instant the rules run at.
    let leaseClock: any WallClock
    let random: any RandomSource
    /// Runs due erasure jobs (the end of deletion grace periods); nil leaves them to the job worker.
    let eraseJobs: JobRunner?
    /// The export folder (bundle files are removed before their records), if bundles are made here.
    let exportsFolder: String?
    /// The mail spool whose delivered `.eml` files age out with their outbox rows.
    let mailFolder: String?
    let metrics: PurgeMetrics
    let logger: Logger
    /// Records per batch, and so per transaction: the bound on memory and on what a crash can interrupt.
    public var batchSize = 500
    /// How long the lease lasts without renewal; renewed after every batch.
    public var leaseDuration: TimeInterval = 120
    /// This process, for the lease: a dead holder on the same host is taken over at once.
    public var host = ProcessInfo.processInfo.hostName
    public var pid = ProcessInfo.processInfo.processIdentifier
    /// Whether a process on this host is alive; injected so tests need not kill anything.
    public var isAlive: @Sendable (Int32) -> Bool = { pid in kill(pid, 0) == 0 || errno != ESRCH }
    /// Asked after every batch: true stops the run there (a worker shutting down), ending it as incomplete.
    public var shouldStop: @Sendable () -> Bool = { false }
    /// Keeps erased customers erased across restores; run first in every real pass.
    public var suppressions: SuppressionGuard?
    /// Erasure's one home: accounts whose retention ends are erased exactly as a deletion request
    /// erases them (receipt, journaled suppression tokens, notices gone from the spool).
    public var erasure: Erasure

    public init(
        store: any AccountRepository & AuditRepository & ErasureRepository & ExportBundleRepository & HoldRepository
            & JobRepository & RecipientRepository & RequestRepository & RetentionRepository,
        policies: PolicySet,
        clock: any WallClock,
        leaseClock: any WallClock = SystemWallClock(),
        random: any RandomSource,
        eraseJobs: JobRunner?,
        exportsFolder: String?,
        mailFolder: String?,
        metrics: PurgeMetrics = PurgeMetrics(),
        logger: Logger = Logger(label: "lethe.purge")
    ) {
        self.store = store
        self.policies = policies
        self.clock = clock
        self.leaseClock = leaseClock
        self.random = random
        self.eraseJobs = eraseJobs
        self.exportsFolder = exportsFolder
        self.mailFolder = mailFolder
        self.metrics = metrics
        self.logger = logger
        self.erasure = Erasure(store: store, policies: policies, clock: clock, dispatcher: nil, journal: nil)
    }

    static let eraseJobKinds: Set<JobKind> = [.eraseAccount]

    /// One step of a rule: what it purges and from which instant on.
    enum Step: Equatable {
        case graceErasures
        case inactiveAccounts(cutoff: Date)
        case batches(PurgeTarget, cutoff: Date)
        case bundles(cutoff: Date)
        case spool(cutoff: Date)
        case audit(cutoff: Date)
    }

    /// How a rule is carried out, decided by its category and trigger (not its id, which is the policy's to name).
    static func steps(_ rule: RetentionRule, asOf: Date) throws -> [Step]? {
        let cutoff = rule.cutoff(asOf: asOf)
        switch (rule.category, rule.trigger) {
        case (.identity, .deletionVerified): return [.graceErasures]
        case (.contact, .deletionVerified), (.address, .deletionVerified), (.payment, .deletionVerified),
            (.preferences, .deletionVerified):
            return nil
        case (.identity, .lastActivity): return [.inactiveAccounts(cutoff: cutoff)]
        // Kept records carry the end of their retention, fixed by the policy when they were kept.
        case (.consent, .accountErased): return [.batches(.retainedConsents, cutoff: asOf)]
        case (.orders, .created): return [.batches(.orders, cutoff: cutoff), .batches(.retainedOrders, cutoff: asOf)]
        case (.supportHistory, .created): return [.batches(.supportInteractions, cutoff: cutoff)]
        case (.securityLogs, .created): return [.batches(.securityEvents, cutoff: cutoff)]
        case (.securityLogs, .expired):
            return [.batches(.verificationCodes, cutoff: cutoff), .batches(.codeSends, cutoff: cutoff)]
        case (.exportBundles, .expired): return [.bundles(cutoff: cutoff)]
        case (.requestRecords, .requestClosed): return [.batches(.requestRecords, cutoff: cutoff)]
        case (.notifications, .created):
            return [.batches(.deliveredMessages, cutoff: cutoff), .spool(cutoff: cutoff)]
        case (.suppression, .accountErased): return [.batches(.suppressions, cutoff: cutoff)]
        case (.auditTrail, .created): return [.audit(cutoff: cutoff)]
        default: throw PurgeError.unsupportedRule(rule.id)
        }
    }

    /// The order rules run in: erasures first (they remove the most), bundles before the requests they
    /// belong to, the audit trail last so the run's own evidence is never what it purges.
    static func rank(_ steps: [Step]?) -> Int {
        switch steps?.first {
        case .graceErasures: return 0
        case .inactiveAccounts: return 1
        case .bundles: return 2
        case .audit: return 9
        case .batches(.requestRecords, _): return 8
        default: return 5
        }
    }

    /// What keeps due data, at the rules' instant.
    func holds(asOf: Date) -> RetentionHolds {
        var recourse: [String: Date] = [:]
        for (id, jurisdiction) in policies.jurisdictions {
            if let period = jurisdiction.recourse?.period { recourse[id] = period.before(asOf) }
        }
        return RetentionHolds(asOf: asOf, recourseAnsweredAfter: recourse)
    }

    /// One pass. A dry run takes no lease and changes nothing; a real run waits for the lease when `wait` is set.
    public func run(
        dryRun: Bool,
        wait: Bool = false,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> PurgeReport {
        let asOf = clock.now()
        let planned = try policies.retentionRules.map { rule in (rule, try Self.steps(rule, asOf: asOf)) }
            .sorted { Self.rank($0.1) < Self.rank($1.1) }
        let runID = try makeRunID()
        var report = PurgeReport(
            runID: runID,
            asOf: asOf,
            startedAt: leaseClock.now(),
            finishedAt: leaseClock.now(),
            dryRun: dryRun,
            status: .running,
            rules: [],
            closedInterruptedRuns: [],
            strayExportFiles: 0,
            failures: []
        )
        let lease = dryRun ? nil : try await takeLease(runID: runID, wait: wait, progress: progress)
        var begun = false
        do {
            if let lease {
                report.closedInterruptedRuns = try await closeInterruptedRuns(except: runID)
                try await store.beginPurgeRun(id: runID, holder: lease.holder, asOf: asOf, at: leaseClock.now())
                begun = true
                if let suppressions {
                    let reconciled = try await suppressions.run()
                    if !reconciled.reErased.isEmpty { report.reErasedAfterRestore = reconciled.reErased }
                }
                if let exportsFolder {
                    report.strayExportFiles = await ExportScratch.sweep(
                        exportsFolder: exportsFolder,
                        olderThan: leaseClock.now().addingTimeInterval(-ExportScratch.minimumAge),
                        isRecorded: { id in (try? await store.bundle(id)) != nil }
                    )
                }
            }
            let graceRule = planned.first { $0.1?.first == .graceErasures }?.0.id
            let holds = holds(asOf: asOf)
            for (rule, steps) in planned {
                var outcome = RuleOutcome(
                    ruleID: rule.id,
                    category: rule.category.rawValue,
                    action: rule.action.rawValue,
                    citation: rule.citation,
                    cutoff: steps.flatMap { $0.isEmpty ? nil : rule.cutoff(asOf: asOf) },
                    purged: [:],
                    held: [:],
                    holds: [],
                    appliedWith: steps == nil ? (graceRule ?? "the account's erasure") : nil,
                    failures: []
                )
                defer { report.rules.append(outcome) }
                for step in steps ?? [] {
                    progress("purge: \(rule.id)")
                    try await perform(step, rule: rule, into: &outcome, holds: holds, run: lease, progress: progress)
                }
            }
        } catch let error as PurgeError where error == .stopped {
            report.failures.append("stopped for shutdown between batches; the next run continues")
        } catch {
            // A failure after the run began still ends it on record, with what its checkpoint holds.
            if let lease {
                if begun {
                    report.failures.append("the run failed: \(error)")
                    report.finishedAt = leaseClock.now()
                    report.status = .incomplete
                    try? await store.finishPurgeRun(
                        id: runID,
                        status: .incomplete,
                        report: report.json(),
                        at: leaseClock.now(),
                        receipt: receipt(report, action: "retention.purge")
                    )
                }
                try? await store.releasePurgeLease(holder: lease.holder)
            }
            metrics.failed()
            throw error
        }
        report.finishedAt = leaseClock.now()
        report.status = report.isComplete ? .completed : .incomplete
        if let lease {
            try await store.finishPurgeRun(
                id: runID,
                status: report.status,
                report: report.json(),
                at: leaseClock.now(),
                receipt: receipt(report, action: "retention.purge")
            )
            try await store.releasePurgeLease(holder: lease.holder)
            metrics.record(report)
            logger.info(
                "purge finished",
                metadata: [
                    "run": "\(runID)", "status": "\(report.status.rawValue)", "purged": "\(report.purgedTotal)",
                    "held": "\(report.heldTotal)",
                ]
            )
        }
        return report
    }

    // MARK: Steps

    struct Lease {
        let holder: String
        let runID: String
    }

    private func perform(
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
    private func drain(_ lease: Lease, _ batch: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let n = try await batch(total)
            if n == 0 { return total }
            total += n
            try await renew(lease)
        }
    }

    /// Adds what holds keep (and, in a dry run, what would go) for `target`.
    private func countHeld(
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

    private func graceErasures(
        rule: RetentionRule,
        into outcome: inout RuleOutcome,
        holds: RetentionHolds,
        lease: Lease?,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        let target = "erasure-jobs"
        if let lease, let eraseJobs {
            var done = 0
            while true {
                let pass = try await eraseJobs.runOnce(limit: batchSize)
                done += pass.completed
                if pass.completed > 0 {
                    try await store.recordPurged(
                        pass.completed,
                        checkpoint: PurgeCheckpoint(runID: lease.runID, ruleID: rule.id, target: .pendingDeletions)
                    )
                }
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

    private func inactiveAccounts(
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

    private func bundles(
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

    private func spool(
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

    // MARK: Lease and runs

    private func makeRunID() throws -> String {
        let stamp = ISO.format(leaseClock.now()).filter(\.isNumber).prefix(14)
        return "PR-\(stamp)-" + String(try random.uniform(below: UInt32.max), radix: 16)
    }

    private func takeLease(
        runID: String,
        wait: Bool,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Lease {
        let holder = "\(runID)@\(host):\(pid)"
        while true {
            let now = leaseClock.now()
            let claim = PurgeLeaseHolder(
                holder: holder,
                host: host,
                pid: pid,
                acquiredAt: now,
                expiresAt: now.addingTimeInterval(leaseDuration)
            )
            guard let current = try await store.acquirePurgeLease(claim, replacing: nil) else {
                return Lease(holder: holder, runID: runID)
            }
            // A holder on this host whose process is gone died mid-run (kill -9, power loss): take over now.
            if current.host == host, current.pid != pid, !isAlive(current.pid) {
                logger.notice(
                    "taking over the purge lease of a dead process",
                    metadata: ["holder": "\(current.holder)"]
                )
                if try await store.acquirePurgeLease(claim, replacing: current.holder) == nil {
                    // Its erasure jobs' leases would block this run until they expired: free them now.
                    let freed = try await store.releaseJobLeases(ofProcess: current.host, pid: current.pid)
                    if freed > 0 {
                        logger.notice("freed the job leases of a dead process", metadata: ["jobs": "\(freed)"])
                    }
                    return Lease(holder: holder, runID: runID)
                }
                continue
            }
            guard wait else { throw PurgeError.busy(current) }
            progress("purge: waiting for \(current.holder) (lease until \(ISO.format(current.expiresAt)))")
            try await Task.sleep(for: .seconds(1))
        }
    }

    private func renew(_ lease: Lease?) async throws {
        guard let lease else { return }
        if shouldStop() { throw PurgeError.stopped }
        guard
            try await store.renewPurgeLease(
                holder: lease.holder,
                until: leaseClock.now().addingTimeInterval(leaseDuration)
            )
        else { throw PurgeError.leaseLost }
    }

    /// Runs still marked running belong to processes that died holding the lease (this run holds it now):
    /// each gets its purge receipt from its checkpoint, so what it erased is on record exactly once.
    private func closeInterruptedRuns(except current: String) async throws -> [String] {
        var closed: [String] = []
        for run in try await store.purgeRuns(status: .running, limit: 100) where run.id != current {
            var rules: [String: RuleOutcome] = [:]
            for count in run.counts {
                var outcome =
                    rules[count.ruleID]
                    ?? RuleOutcome(
                        ruleID: count.ruleID,
                        category: count.target.category.rawValue,
                        action: "",
                        citation: policies.retentionRules.first { $0.id == count.ruleID }?.citation ?? "",
                        cutoff: nil,
                        purged: [:],
                        held: [:],
                        holds: [],
                        appliedWith: nil,
                        failures: []
                    )
                outcome.purged[count.target == .pendingDeletions ? "erasure-jobs" : count.target.rawValue] =
                    count.records
                rules[count.ruleID] = outcome
            }
            let report = PurgeReport(
                runID: run.id,
                asOf: run.asOf,
                startedAt: run.startedAt,
                finishedAt: leaseClock.now(),
                dryRun: false,
                status: .interrupted,
                rules: rules.values.sorted { $0.ruleID < $1.ruleID },
                closedInterruptedRuns: [],
                strayExportFiles: 0,
                failures: [
                    "the run stopped before it finished (process killed or crashed); counts are from its checkpoint"
                ]
            )
            try await store.finishPurgeRun(
                id: run.id,
                status: .interrupted,
                report: report.json(),
                at: leaseClock.now(),
                receipt: receipt(report, action: "retention.purge-interrupted")
            )
            closed.append(run.id)
        }
        return closed
    }

    func receipt(_ report: PurgeReport, action: String) -> AuditEvent {
        let failures = report.failures + report.rules.flatMap(\.failures)
        return AuditEvent(
            at: leaseClock.now(),
            actor: "system:purge",
            action: action,
            subjectType: "purge-run",
            subjectID: report.runID,
            fields: report.receiptFields,
            reason: "as of \(ISO.format(report.asOf)); \(report.status.rawValue); purged \(report.purgedTotal), "
                + "held back \(report.heldTotal), "
                + String(format: "%.3f", report.durationSeconds) + " s"
                + (failures.isEmpty ? "" : "; failures: " + failures.joined(separator: " | "))
        )
    }
}

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
    /// This process's id, for the lease: a holder on this host whose process is gone is taken over.
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

    /// Creates a scheduler. `clock` is the rules' instant (a drill can move it), `leaseClock` real time;
    /// `eraseJobs` runs erasures whose grace period has ended, and the folders are cleaned with their records.
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
    /// - Throws: ``PurgeError/busy(_:)`` when another purge holds the lease and `wait` is false,
    ///   ``PurgeError/leaseLost``, ``PurgeError/unsupportedRule(_:)`` for a rule it cannot apply;
    ///   `StoreError` from the store. A run that began is still closed on record as incomplete.
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

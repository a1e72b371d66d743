import Foundation
import LetheCore
import LetheStore
import Logging

// The purge lease (one purge at a time, taken over from a dead holder) and the runs it records.
extension RetentionScheduler {
    // MARK: Lease and runs

    func makeRunID() throws -> String {
        let stamp = ISO.format(leaseClock.now()).filter(\.isNumber).prefix(14)
        return "PR-\(stamp)-" + String(try random.uniform(below: UInt32.max), radix: 16)
    }

    func takeLease(
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

    func renew(_ lease: Lease?) async throws {
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
    func closeInterruptedRuns(except current: String) async throws -> [String] {
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
}

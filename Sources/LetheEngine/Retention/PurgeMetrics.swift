import Foundation
import LetheStore
import Metrics

/// What the purge reports to swift-metrics (and so to Prometheus when the server bootstraps it):
/// counts per rule and category, never an id or a value.
public struct PurgeMetrics: Sendable {
    let factory: any MetricsFactory

    /// Reports to `factory`, by default the process's bootstrapped metrics system.
    public init(factory: any MetricsFactory = MetricsSystem.factory) { self.factory = factory }

    /// Records a finished run: purged and held-back records per rule and category, its duration, and
    /// whether it left work undone.
    public func record(_ report: PurgeReport) {
        for rule in report.rules {
            for (target, n) in rule.purged where n > 0 {
                Counter(
                    label: "lethe_purge_records_total",
                    dimensions: [("rule", rule.ruleID), ("category", rule.category), ("target", target)],
                    factory: factory
                ).increment(by: n)
            }
            for (target, n) in rule.held where n > 0 {
                Counter(
                    label: "lethe_purge_held_back_total",
                    dimensions: [("rule", rule.ruleID), ("category", rule.category), ("target", target)],
                    factory: factory
                ).increment(by: n)
            }
        }
        Metrics.Timer(label: "lethe_purge_duration_seconds", factory: factory).recordSeconds(report.durationSeconds)
        Counter(label: "lethe_purge_runs_total", dimensions: [("status", report.status.rawValue)], factory: factory)
            .increment()
        if !report.isComplete { failed() }
    }

    /// A run that failed or left due work undone.
    public func failed() {
        Counter(label: "lethe_purge_failures_total", factory: factory).increment()
    }
}

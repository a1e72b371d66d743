import Foundation
import LetheCore
import LetheStore

/// What one retention rule did in a purge run (or would do, in a dry run). Rule ids, categories,
/// counts and hold references only: a report never holds a personal value.
public struct RuleOutcome: Sendable, Equatable, Codable {
    /// The rule's id in `Policies/retention.yaml`.
    public let ruleID: String
    /// The data category the rule governs (`DataCategory` raw value).
    public let category: String
    /// What the policy says happens when the period ends (delete, keep minimised); empty for a rule
    /// rebuilt from an interrupted run's checkpoint.
    public let action: String
    /// The law or policy that sets the period, as the policy cites it; the receipt's legal justification.
    public let citation: String
    /// Records whose trigger is at or before this instant were due (absent for rules that run on their own dates).
    public let cutoff: Date?
    /// Purged per target (a dry run: what would be purged).
    public var purged: [String: Int]
    /// Due but kept by a hold, per target.
    public var held: [String: Int]
    /// Which holds kept due records, with their reference and the customer, so an officer can follow up.
    public var holds: [HeldBack]
    /// Set when the rule is carried out by another (contact data goes with the account).
    public let appliedWith: String?
    /// Steps of this rule that failed, in words; the next run retries them.
    public var failures: [String]

    /// Records purged (or, in a dry run, due) across all targets of the rule.
    public var purgedTotal: Int { purged.values.reduce(0, +) }
    /// Due records a hold kept, across all targets of the rule.
    public var heldTotal: Int { held.values.reduce(0, +) }
}

/// The evidence of one purge run: written to the audit trail as its purge receipt and kept with the run.
public struct PurgeReport: Sendable, Equatable, Codable {
    /// The run's id, as in the purge receipt's audit entry and `purge_runs`.
    public let runID: String
    /// The instant the rules were applied at: now, or a drill's `--as-of`.
    public let asOf: Date
    /// When the run started, in real time.
    public let startedAt: Date
    /// When the run ended, in real time.
    public var finishedAt: Date
    /// True when nothing was changed and the counts are what would have been purged.
    public let dryRun: Bool
    /// How the run ended: completed only when every due, unheld record is gone.
    public var status: PurgeRunStatus
    /// One outcome per retention rule, in the order the rules ran.
    public var rules: [RuleOutcome]
    /// Earlier runs that died mid-way and were closed by this one (their receipts carry their own counts).
    public var closedInterruptedRuns: [String]
    /// Leftover private export work folders and orphaned bundle files removed before the rules ran.
    public var strayExportFiles: Int
    /// Failures outside any one rule (the run itself, a shutdown), in words.
    public var failures: [String]
    /// Customers a restored backup brought back, erased again before the rules ran (the suppression list).
    public var reErasedAfterRestore: [String]? = nil

    /// How long the run took, in seconds.
    public var durationSeconds: Double { finishedAt.timeIntervalSince(startedAt) }
    /// Records purged (or due, in a dry run) across all rules.
    public var purgedTotal: Int { rules.map(\.purgedTotal).reduce(0, +) }
    /// Due records kept by holds across all rules.
    public var heldTotal: Int { rules.map(\.heldTotal).reduce(0, +) }
    /// Whether every due record that no hold keeps is gone.
    public var isComplete: Bool { failures.isEmpty && rules.allSatisfy(\.failures.isEmpty) }

    /// The report as stored and printed with `--json`: sorted keys, ISO 8601 instants.
    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads back a report written by ``json(pretty:)`` (a stored run's report); nil when it is not one.
    public static func decode(_ json: String) -> PurgeReport? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(PurgeReport.self, from: Data(json.utf8))
    }

    /// The purge receipt's audit fields: `rule:target=count` for what was purged, `held:rule=count` for what was kept.
    var receiptFields: [String] {
        var fields: [String] = []
        for rule in rules {
            for (target, n) in rule.purged.sorted(by: { $0.key < $1.key }) where n > 0 {
                fields.append("\(rule.ruleID):\(target)=\(n)")
            }
            if rule.heldTotal > 0 { fields.append("held:\(rule.ruleID)=\(rule.heldTotal)") }
        }
        return fields
    }

    /// A summary for the terminal: one line per rule with anything to say, then the totals.
    public func text() -> String {
        var lines: [String] = []
        let verb = dryRun ? "would purge" : "purged"
        for rule in rules {
            if let with = rule.appliedWith {
                lines.append("  \(rule.ruleID) (\(rule.category)): erased with the account by \(with)")
                continue
            }
            let purged = rule.purged.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            var line = "  \(rule.ruleID) (\(rule.category), \(rule.action)): \(verb) \(rule.purgedTotal)"
            if rule.purged.count > 1 || (rule.purged.count == 1 && rule.purged.keys.first != rule.category) {
                line += " [" + purged.joined(separator: ", ") + "]"
            }
            if rule.heldTotal > 0 { line += "; held back \(rule.heldTotal)" }
            lines.append(line)
            for hold in rule.holds {
                let who = hold.accountID.isEmpty ? "" : " on \(hold.accountID)"
                lines.append("      held: \(hold.reason.rawValue) \(hold.reference)\(who): \(hold.records) record(s)")
            }
            for failure in rule.failures { lines.append("      failed: \(failure)") }
        }
        for failure in failures { lines.append("  failed: \(failure)") }
        let head =
            dryRun
            ? "purge dry run as of \(ISO.format(asOf)): nothing was changed"
            : "purge \(runID) as of \(ISO.format(asOf)): \(status.rawValue)"
        var summary = [head] + lines
        if !closedInterruptedRuns.isEmpty {
            summary.append("  closed interrupted run(s): \(closedInterruptedRuns.joined(separator: ", "))")
        }
        if strayExportFiles > 0 { summary.append("  removed \(strayExportFiles) leftover export work file(s)") }
        summary.append(
            "total: \(verb) \(purgedTotal) record(s), held back \(heldTotal), in "
                + String(format: "%.2f", durationSeconds) + " s"
        )
        return summary.joined(separator: "\n")
    }
}

/// Why a purge could not run or finish; each says what to do.
public enum PurgeError: Error, CustomStringConvertible, Equatable {
    /// Another purge holds the lease.
    case busy(PurgeLeaseHolder)
    /// The lease ran out and another purge took it over; this one stopped between batches.
    case leaseLost
    /// The process is shutting down; the run stopped after its last whole batch.
    case stopped
    /// A policy rule names a category and trigger the purge does not know how to apply.
    case unsupportedRule(String)

    /// What went wrong and what to do about it, for the operator's terminal and log.
    public var description: String {
        switch self {
        case .busy(let holder):
            return "another purge is running (\(holder.holder) on \(holder.host), pid \(holder.pid), since "
                + "\(ISO.format(holder.acquiredAt)), lease until \(ISO.format(holder.expiresAt))); "
                + "try again later or pass --wait"
        case .leaseLost:
            return
                "the purge lease was lost to another purge; this run stopped between batches and the other finishes the work"
        case .stopped:
            return "the purge stopped for shutdown after its last whole batch"
        case .unsupportedRule(let id):
            return
                "retention rule '\(id)' has a category and trigger the purge cannot apply; fix Policies/retention.yaml"
        }
    }
}

import Foundation
import LetheCore

/// A kind of stored record the retention scheduler purges in batches, by the instant its period runs from.
public enum PurgeTarget: String, CaseIterable, Sendable, Codable {
    /// Sign-in events and session revocations, by when they happened.
    case securityEvents = "security-events"
    /// Support transcripts, by the interaction.
    case supportInteractions = "support-interactions"
    /// Orders of live accounts, by when they were placed.
    case orders
    /// One-time codes, by their expiry.
    case verificationCodes = "verification-codes"
    /// The rate-limit record of each code sent, by when it was sent.
    case codeSends = "code-sends"
    /// Delivered notifications in the outbox, by when they were created.
    case deliveredMessages = "delivered-messages"
    /// Minimised invoices kept for tax law after an erasure, by the end of their retention.
    case retainedOrders = "retained-orders"
    /// Minimised consent evidence kept after an erasure, by the end of its retention.
    case retainedConsents = "retained-consents"
    /// Keyed tokens that keep an erased customer erased, by when they were recorded.
    case suppressions
    /// Closed privacy requests with their events, deadlines, links, alerts and receipts, by closure.
    case requestRecords = "request-records"
    /// Export bundles, by the expiry of their link (the file is removed by the engine first).
    case exportBundles = "export-bundles"
    /// Deactivated accounts, by their last activity; erased whole with a deletion receipt.
    case inactiveAccounts = "inactive-accounts"
    /// Accounts in their deletion grace period; erased by their erasure job (counted here, never batch-purged).
    case pendingDeletions = "pending-deletions"
    /// Delivered notices in the mail folder (`.eml`), removed by the engine and counted here.
    case mailSpool = "mail-spool"
    /// The oldest audit entries, by when they were written; purged as a prefix behind a checkpoint.
    case auditEntries = "audit-entries"

    /// The category a legal hold must name (or hold everything) to keep these records.
    public var category: DataCategory {
        switch self {
        case .securityEvents, .verificationCodes, .codeSends: return .securityLogs
        case .supportInteractions: return .supportHistory
        case .orders, .retainedOrders: return .orders
        case .deliveredMessages, .mailSpool: return .notifications
        case .pendingDeletions: return .identity
        case .retainedConsents: return .consent
        case .suppressions: return .suppression
        case .requestRecords: return .requestRecords
        case .exportBundles: return .exportBundles
        case .inactiveAccounts: return .identity
        case .auditEntries: return .auditTrail
        }
    }
}

/// What keeps due data from being purged, evaluated at one instant.
public struct RetentionHolds: Sendable, Equatable {
    /// The instant the rules are applied at (now, or `--as-of`).
    public let asOf: Date
    /// Per jurisdiction with a recourse period (PIPEDA s.8(8)): a customer whose request there was
    /// answered after this instant is still within the period, and their data is kept.
    public let recourseAnsweredAfter: [String: Date]

    public init(asOf: Date, recourseAnsweredAfter: [String: Date] = [:]) {
        self.asOf = asOf
        self.recourseAnsweredAfter = recourseAnsweredAfter
    }
}

/// Why due records were kept.
public enum HoldReason: String, Sendable, Codable, CaseIterable {
    /// A legal hold in force (GDPR Art 17(3)(e)).
    case legalHold = "legal-hold"
    /// An open request or appeal about the same customer.
    case openRequest = "open-request"
    /// A recourse period after an answer (PIPEDA s.8(8)).
    case recoursePeriod = "recourse-period"
    /// Audit entries wait behind the first entry about a held customer or an open request: the chain is
    /// purged as a prefix, never from its middle.
    case behindHeldEntry = "behind-held-entry"
}

/// A group of due records kept back for one reason: ids only, never personal values.
public struct HeldBack: Sendable, Equatable, Codable, Hashable {
    public let reason: HoldReason
    /// The hold id, the open request's id, or the answered request's id.
    public let reference: String
    public let accountID: String
    public let records: Int

    public init(reason: HoldReason, reference: String, accountID: String, records: Int) {
        self.reason = reason
        self.reference = reference
        self.accountID = accountID
        self.records = records
    }
}

/// How many records are due for a target, and what is kept back.
public struct DueCount: Sendable, Equatable {
    /// Due and not held: what a purge would remove.
    public let due: Int
    /// Due but held (each record counted once, whatever the number of reasons).
    public let held: Int
    /// The reasons, per hold and account; a record held for two reasons appears in both groups.
    public let holds: [HeldBack]

    public init(due: Int, held: Int, holds: [HeldBack]) {
        self.due = due
        self.held = held
        self.holds = holds
    }
}

/// Where a batch's count is recorded, in the batch's own transaction: the purge run's checkpoint.
public struct PurgeCheckpoint: Sendable, Equatable {
    public let runID: String
    public let ruleID: String
    public let target: PurgeTarget

    public init(runID: String, ruleID: String, target: PurgeTarget) {
        self.runID = runID
        self.ruleID = ruleID
        self.target = target
    }
}

/// A deactivated account whose inactivity period has ended.
public struct DueAccount: Sendable, Equatable {
    public let id: AccountID
    public let createdAt: Date

    public init(id: AccountID, createdAt: Date) {
        self.id = id
        self.createdAt = createdAt
    }
}

/// Who holds the purge lease: one purge at a time per database.
public struct PurgeLeaseHolder: Sendable, Equatable {
    public let holder: String
    public let host: String
    public let pid: Int32
    public let acquiredAt: Date
    public let expiresAt: Date

    public init(holder: String, host: String, pid: Int32, acquiredAt: Date, expiresAt: Date) {
        self.holder = holder
        self.host = host
        self.pid = pid
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
    }
}

/// Where a purge run stands.
public enum PurgeRunStatus: String, Sendable, Codable, CaseIterable {
    case running
    /// Every due record not held was purged.
    case completed
    /// The run ended but some due work failed or is still leased elsewhere; the next run retries it.
    case incomplete
    /// The process died mid-run; a later run found it and wrote its receipt from its checkpoint.
    case interrupted
}

/// A purge run as recorded: its checkpointed counts survive a crash.
public struct PurgeRunRecord: Sendable, Equatable {
    public let id: String
    public let holder: String
    public let asOf: Date
    public let startedAt: Date
    public let finishedAt: Date?
    public let status: PurgeRunStatus
    /// Records purged per rule and target, as committed batch by batch.
    public let counts: [PurgeCount]
    /// The final report (JSON) once the run has ended.
    public let report: String?

    public init(
        id: String,
        holder: String,
        asOf: Date,
        startedAt: Date,
        finishedAt: Date?,
        status: PurgeRunStatus,
        counts: [PurgeCount],
        report: String?
    ) {
        self.id = id
        self.holder = holder
        self.asOf = asOf
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.counts = counts
        self.report = report
    }
}

/// Records purged under one rule from one target.
public struct PurgeCount: Sendable, Equatable, Codable, Hashable {
    public let ruleID: String
    public let target: PurgeTarget
    public let records: Int

    public init(ruleID: String, target: PurgeTarget, records: Int) {
        self.ruleID = ruleID
        self.target = target
        self.records = records
    }
}

/// The authenticated state of the audit chain's purged prefix: the last purged entry's sequence
/// number and MAC, so verification can start from the oldest kept entry.
public struct AuditCheckpoint: Sendable, Equatable {
    public let seq: Int64
    public let digest: [UInt8]
    /// Entries purged in all, over every run.
    public let purged: Int64
    public let at: Date

    public init(seq: Int64, digest: [UInt8], purged: Int64, at: Date) {
        self.seq = seq
        self.digest = digest
        self.purged = purged
        self.at = at
    }
}

/// The anchored head of the audit chain: the newest entry's sequence number and MAC.
public struct AuditHead: Sendable, Equatable {
    public let seq: Int64
    public let mac: [UInt8]

    public init(seq: Int64, mac: [UInt8]) {
        self.seq = seq
        self.mac = mac
    }

    /// The MAC in hex, as printed and exported for an outside witness.
    public var macHex: String { mac.map { String(format: "%02x", $0) }.joined() }
}

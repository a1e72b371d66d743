import Foundation

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

    /// Holds evaluated at `asOf`, with no recourse periods unless given.
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
    /// Why the records were kept.
    public let reason: HoldReason
    /// The hold id, the open request's id, or the answered request's id.
    public let reference: String
    /// The customer whose records were kept.
    public let accountID: String
    /// How many due records this reason kept.
    public let records: Int

    /// A group of held records.
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

    /// A count for one target.
    public init(due: Int, held: Int, holds: [HeldBack]) {
        self.due = due
        self.held = held
        self.holds = holds
    }
}

/// Where a batch's count is recorded, in the batch's own transaction: the purge run's checkpoint.
public struct PurgeCheckpoint: Sendable, Equatable {
    /// The purge run (`PR-…`) the count belongs to.
    public let runID: String
    /// The retention rule being applied.
    public let ruleID: String
    /// The kind of record being purged.
    public let target: PurgeTarget

    /// A checkpoint for one rule and target of one run.
    public init(runID: String, ruleID: String, target: PurgeTarget) {
        self.runID = runID
        self.ruleID = ruleID
        self.target = target
    }
}

/// A deactivated account whose inactivity period has ended.
public struct DueAccount: Sendable, Equatable {
    /// The account.
    public let id: AccountID
    /// When it was opened.
    public let createdAt: Date

    /// A due account.
    public init(id: AccountID, createdAt: Date) {
        self.id = id
        self.createdAt = createdAt
    }
}

/// Who holds the purge lease: one purge at a time per database.
public struct PurgeLeaseHolder: Sendable, Equatable {
    /// The holder's random id; only it may renew or release the lease.
    public let holder: String
    /// The host the holder runs on.
    public let host: String
    /// The holder's process id, used to see whether it is still alive.
    public let pid: Int32
    /// When the lease was taken.
    public let acquiredAt: Date
    /// When it lapses unless renewed (it is renewed after every batch).
    public let expiresAt: Date

    /// A lease holder as recorded.
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
    /// Under way, or died without closing (no live lease holder).
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
    /// The run's id, `PR-…`.
    public let id: String
    /// The lease holder that ran it.
    public let holder: String
    /// The instant the rules were applied at.
    public let asOf: Date
    /// When it started.
    public let startedAt: Date
    /// When it ended; `nil` while running.
    public let finishedAt: Date?
    /// Where it stands.
    public let status: PurgeRunStatus
    /// Records purged per rule and target, as committed batch by batch.
    public let counts: [PurgeCount]
    /// The final report (JSON) once the run has ended.
    public let report: String?

    /// A run as recorded.
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
    /// The retention rule applied.
    public let ruleID: String
    /// The kind of record purged.
    public let target: PurgeTarget
    /// How many were purged.
    public let records: Int

    /// A count for one rule and target.
    public init(ruleID: String, target: PurgeTarget, records: Int) {
        self.ruleID = ruleID
        self.target = target
        self.records = records
    }
}

/// The authenticated state of the audit chain's purged prefix: the last purged entry's sequence
/// number and MAC, so verification can start from the oldest kept entry.
public struct AuditCheckpoint: Sendable, Equatable {
    /// The sequence number of the last purged entry; verification resumes after it.
    public let seq: Int64
    /// The MAC of the last purged entry, which the first kept entry chains from.
    public let digest: [UInt8]
    /// Entries purged in all, over every run.
    public let purged: Int64
    /// When the checkpoint last moved.
    public let at: Date

    /// A checkpoint as read back from the store.
    public init(seq: Int64, digest: [UInt8], purged: Int64, at: Date) {
        self.seq = seq
        self.digest = digest
        self.purged = purged
        self.at = at
    }
}

/// The anchored head of the audit chain: the newest entry's sequence number and MAC.
public struct AuditHead: Sendable, Equatable {
    /// The newest entry's sequence number.
    public let seq: Int64
    /// The newest entry's MAC.
    public let mac: [UInt8]

    /// A head as read back from the store.
    public init(seq: Int64, mac: [UInt8]) {
        self.seq = seq
        self.mac = mac
    }

    /// The MAC in hex, as printed and exported for an outside witness.
    public var macHex: String { mac.map { String(format: "%02x", $0) }.joined() }
}

import Foundation

/// One entry of the consent ledger.
public struct ConsentRecord: Sendable, Equatable, Codable {
    /// The purpose id from `purposes.yaml`.
    public let purpose: String
    /// Whether consent was given (`true`) or withdrawn (`false`).
    public let granted: Bool
    /// customer, agent, gpc-signal, unsubscribe-link, …
    public let source: String
    /// More about the source (e.g. the agent id or page); may be personal, so stored encrypted.
    public let sourceDetail: String?
    /// The privacy-notice version the customer saw, as evidence of informed consent.
    public let noticeVersion: String
    /// When the change was made.
    public let at: Date

    /// A ledger entry; once written it is never updated.
    public init(purpose: String, granted: Bool, source: String, sourceDetail: String?, noticeVersion: String, at: Date)
    {
        self.purpose = purpose
        self.granted = granted
        self.source = source
        self.sourceDetail = sourceDetail
        self.noticeVersion = noticeVersion
        self.at = at
    }
}

/// Open requests of one kind due on one date.
public struct DueDateCount: Sendable, Equatable {
    /// The due date.
    public let due: LocalDate
    /// The kind of request.
    public let kind: RequestKind
    /// How many open requests of that kind fall due that day.
    public let count: Int

    /// A count for one date and kind.
    public init(due: LocalDate, kind: RequestKind, count: Int) {
        self.due = due
        self.kind = kind
        self.count = count
    }
}

/// Requests received in one UTC month (`year`, `month` 1-12), and how many of them are completed.
public struct MonthCount: Sendable, Equatable {
    /// The year.
    public let year: Int
    /// The month, 1 to 12.
    public let month: Int
    /// Requests received that month.
    public let received: Int
    /// How many of those are completed.
    public let completed: Int

    /// A count for one month.
    public init(year: Int, month: Int, received: Int, completed: Int) {
        self.year = year
        self.month = month
        self.received = received
        self.completed = completed
    }
}

/// The facts about one request that the CCPA §7102 metrics count: no personal values.
public struct RequestOutcome: Sendable, Equatable {
    /// The kind of request.
    public let kind: RequestKind
    /// The statutory clock it ran on.
    public let deadlineKind: DeadlineKind
    /// Where it stands.
    public let status: RequestStatus
    /// When it was received.
    public let receivedAt: Date
    /// When it was completed, denied or cancelled.
    public let closedAt: Date?
    /// The legal basis of a denial, for the §7102 count of denials by reason.
    public let denialReason: DenialReason?

    /// The facts of one request.
    public init(
        kind: RequestKind,
        deadlineKind: DeadlineKind,
        status: RequestStatus,
        receivedAt: Date,
        closedAt: Date?,
        denialReason: DenialReason?
    ) {
        self.kind = kind
        self.deadlineKind = deadlineKind
        self.status = status
        self.receivedAt = receivedAt
        self.closedAt = closedAt
        self.denialReason = denialReason
    }
}

/// The size and urgency of the open queue.
public struct QueueDepth: Sendable, Equatable {
    /// Open requests per status.
    public let byStatus: [RequestStatus: Int]
    /// Open requests due within ``Urgency/dueSoonDays`` days.
    public let dueSoon: Int
    /// Open requests past their binding deadline.
    public let overdue: Int

    /// A snapshot of the queue.
    public init(byStatus: [RequestStatus: Int], dueSoon: Int, overdue: Int) {
        self.byStatus = byStatus
        self.dueSoon = dueSoon
        self.overdue = overdue
    }
}

/// What one master-key version still secures; it can be retired only when every count is zero.
public struct KeyVersionUsage: Sendable, Equatable {
    /// Customer data keys wrapped under it (moved by rewrapping).
    public var dataKeys = 0
    /// Account email and phone tokens made with its blind-index keys (recomputed by reindexing).
    public var accountIndexes = 0
    /// Suppression tokens of erased customers made with its keys; they cannot be recomputed (nothing
    /// of the customer is left to compute them from), so the version stays while they are kept.
    public var suppressions = 0
    /// Audit entries (with the checkpoint and the head) MACed under its audit key.
    public var auditEntries = 0

    /// Zero counts, filled in by the store.
    public init() {}

    /// Whether every count is zero: nothing the version wrapped, indexed or MACed is still stored.
    public var isUnused: Bool { dataKeys == 0 && accountIndexes == 0 && suppressions == 0 && auditEntries == 0 }
}

/// What `copyEverything(to:)` moved, table by table, with the source's and the target's row counts.
public struct StoreCopyReport: Sendable, Equatable {
    /// One table's row counts on both sides.
    public struct Table: Sendable, Equatable {
        /// The table's name.
        public let name: String
        /// Rows in the source store.
        public let source: Int
        /// Rows in the target store after the copy.
        public let target: Int

        /// Makes the value from each of its parts.
        public init(name: String, source: Int, target: Int) {
            self.name = name
            self.source = source
            self.target = target
        }
    }
    /// Every table copied, in copy order.
    public let tables: [Table]
    /// Rows read from the source, over all tables.
    public var rows: Int { tables.reduce(0) { $0 + $1.source } }

    /// Makes the value from each of its parts.
    public init(tables: [Table]) {
        self.tables = tables
    }
}

/// A running Lethe process and the master-key versions it holds, as it last announced them: a rotation
/// makes a new version primary only once every live process holds it.
public struct KeyHolder: Sendable, Equatable {
    /// The process, as `ROLE@HOST:PID` (e.g. `serve@node-1:4242`).
    public let node: String
    /// The versions it can open, ascending.
    public let versions: [UInt32]
    /// The version it wraps new keys under.
    public let primary: UInt32
    /// When it last announced itself.
    public let seenAt: Date

    /// Makes the value from each of its parts.
    public init(node: String, versions: [UInt32], primary: UInt32, seenAt: Date) {
        self.node = node
        self.versions = versions
        self.primary = primary
        self.seenAt = seenAt
    }
}

import Foundation

/// What to do with one category when a customer is erased.
public enum ErasureDecision: Sendable, Equatable {
    /// Delete the category with the customer.
    case erase
    /// Keep minimised under a pseudonym because a law requires it, until `until`.
    case keepMinimised(legalBasis: String, citation: String, until: Date)
}

/// The decisions for every category, from `Policies/retention.yaml`.
public struct ErasurePlan: Sendable, Equatable {
    /// The decision per category; a category not listed is erased.
    public let decisions: [DataCategory: ErasureDecision]
    /// Set when the retention scheduler erases: the customer is counted on its run's checkpoint in
    /// the erasure's own transaction.
    public let checkpoint: PurgeCheckpoint?

    /// A plan from the decisions, with the purge run's checkpoint when the scheduler erases.
    public init(decisions: [DataCategory: ErasureDecision], checkpoint: PurgeCheckpoint? = nil) {
        self.decisions = decisions
        self.checkpoint = checkpoint
    }

    /// The decision for `category`, ``ErasureDecision/erase`` unless the policy keeps it.
    public func decision(_ category: DataCategory) -> ErasureDecision { decisions[category] ?? .erase }
}

/// A category kept after erasure, with why and for how long.
public struct KeptCategory: Sendable, Equatable, Codable {
    /// The category kept, e.g. `orders`.
    public let category: String
    /// How many records were kept.
    public let records: Int
    /// Why the law requires keeping them.
    public let legalBasis: String
    /// The legal source of the retention.
    public let citation: String
    /// When the kept records are purged in turn.
    public let retainUntil: Date

    /// Makes the value from each of its parts.
    public init(category: String, records: Int, legalBasis: String, citation: String, retainUntil: Date) {
        self.category = category
        self.records = records
        self.legalBasis = legalBasis
        self.citation = citation
        self.retainUntil = retainUntil
    }
}

/// Evidence of one erasure: what went, what stayed and why. Category names and counts only.
public struct DeletionReceipt: Sendable, Equatable, Codable {
    /// The deletion request this erasure carried out.
    public let requestID: String
    /// The erased account's id, kept as evidence (an id, not a personal value).
    public let accountID: String
    /// The pseudonym under which kept records are filed.
    public let pseudonym: String
    /// When the erasure committed.
    public let at: Date
    /// Rows removed per table.
    public let erased: [String: Int]
    /// What a law required keeping, minimised, and until when.
    public let kept: [KeptCategory]

    /// Makes the value from each of its parts.
    public init(
        requestID: String,
        accountID: String,
        pseudonym: String,
        at: Date,
        erased: [String: Int],
        kept: [KeptCategory]
    ) {
        self.requestID = requestID
        self.accountID = accountID
        self.pseudonym = pseudonym
        self.at = at
        self.erased = erased
        self.kept = kept
    }
}

/// A processor or third party that received customers' data.
public struct Recipient: Sendable, Equatable {
    /// The recipient's id.
    public let id: String
    /// The processor's or third party's name, as shown to officers.
    public let name: String
    /// The data categories it received; only requests touching them concern it.
    public let categories: Set<DataCategory>
    /// Where erasure and correction notices are posted (signed with the recipient's secret).
    public let webhookURL: String
    /// Whether new requests are still fanned out to it.
    public let active: Bool

    /// A recipient as registered.
    public init(id: String, name: String, categories: Set<DataCategory>, webhookURL: String, active: Bool) {
        self.id = id
        self.name = name
        self.categories = categories
        self.webhookURL = webhookURL
        self.active = active
    }
}

/// Where a request stands with one recipient.
public enum RecipientStatus: String, Sendable, CaseIterable {
    /// Not yet confirmed; the request cannot complete while any recipient is pending.
    case pending
    /// The recipient confirmed (its webhook answered 2xx).
    case acknowledged
    /// An officer recorded that it was done by hand.
    case manual
    /// An officer recorded, with reasons, that informing it is impossible or disproportionate.
    case impossible

    /// Whether this recipient no longer holds up the request.
    public var isSettled: Bool { self != .pending }
}

/// One recipient's part in a request (GDPR Art 19): what it must do and whether it has.
public struct RequestRecipient: Sendable, Equatable {
    /// The recipient's id.
    public let recipientID: String
    /// The recipient's name, for the officer's page.
    public let name: String
    /// What it must do, e.g. erase or correct.
    public let action: String
    /// Where the recipient stands.
    public let status: RecipientStatus
    /// The officer's note when settled by hand or found impossible.
    public let note: String?

    /// Makes the value from each of its parts.
    public init(recipientID: String, name: String, action: String, status: RecipientStatus, note: String? = nil) {
        self.recipientID = recipientID
        self.name = name
        self.action = action
        self.status = status
        self.note = note
    }
}

/// One entry of the suppression list: the blind-index token of an erased customer's email or phone
/// (never the value), the master version that made it, and the erasure it came from.
public struct SuppressionEntry: Sendable, Hashable {
    /// Which identifier the token was made from.
    public enum Kind: String, Sendable { case email, phone }
    /// The blind-index token of the erased value.
    public let token: Data
    /// Whether it came from an email address or a phone number.
    public let kind: Kind
    /// The deletion request that erased the customer.
    public let requestID: RequestID
    /// The master-key version whose blind-index key made the token; that version cannot be retired while it is kept.
    public let indexVersion: UInt32?
    /// When the entry was written; its retention runs from here.
    public let createdAt: Date

    /// An entry as the erasure writes it.
    public init(token: Data, kind: Kind, requestID: RequestID, indexVersion: UInt32?, createdAt: Date) {
        self.token = token
        self.kind = kind
        self.requestID = requestID
        self.indexVersion = indexVersion
        self.createdAt = createdAt
    }
}

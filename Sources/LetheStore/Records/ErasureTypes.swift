import Foundation
import LetheCore

/// What to do with one category when a customer is erased.
public enum ErasureDecision: Sendable, Equatable {
    case erase
    /// Keep minimised under a pseudonym because a law requires it, until `until`.
    case keepMinimised(legalBasis: String, citation: String, until: Date)
}

/// The decisions for every category, from `Policies/retention.yaml`.
public struct ErasurePlan: Sendable, Equatable {
    public let decisions: [DataCategory: ErasureDecision]
    /// Set when the retention scheduler erases: the customer is counted on its run's checkpoint in
    /// the erasure's own transaction.
    public let checkpoint: PurgeCheckpoint?

    public init(decisions: [DataCategory: ErasureDecision], checkpoint: PurgeCheckpoint? = nil) {
        self.decisions = decisions
        self.checkpoint = checkpoint
    }

    public func decision(_ category: DataCategory) -> ErasureDecision { decisions[category] ?? .erase }
}

/// A category kept after erasure, with why and for how long.
public struct KeptCategory: Sendable, Equatable, Codable {
    public let category: String
    public let records: Int
    public let legalBasis: String
    public let citation: String
    public let retainUntil: Date
}

/// Evidence of one erasure: what went, what stayed and why. Category names and counts only.
public struct DeletionReceipt: Sendable, Equatable, Codable {
    public let requestID: String
    public let accountID: String
    /// The pseudonym under which kept records are filed.
    public let pseudonym: String
    public let at: Date
    /// Rows removed per table.
    public let erased: [String: Int]
    public let kept: [KeptCategory]
}

/// A processor or third party that received customers' data.
public struct Recipient: Sendable, Equatable {
    public let id: String
    public let name: String
    /// The data categories it received; only requests touching them concern it.
    public let categories: Set<DataCategory>
    public let webhookURL: String
    public let active: Bool

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
    case pending
    /// The recipient confirmed (its webhook answered 2xx).
    case acknowledged
    /// An officer recorded that it was done by hand.
    case manual
    /// An officer recorded, with reasons, that informing it is impossible or disproportionate.
    case impossible

    public var isSettled: Bool { self != .pending }
}

public struct RequestRecipient: Sendable, Equatable {
    public let recipientID: String
    public let name: String
    public let action: String
    public let status: RecipientStatus
    public let note: String?
}

/// One entry of the suppression list: the blind-index token of an erased customer's email or phone
/// (never the value), the master version that made it, and the erasure it came from.
public struct SuppressionEntry: Sendable, Hashable {
    public enum Kind: String, Sendable { case email, phone }
    public let token: Data
    public let kind: Kind
    public let requestID: RequestID
    public let indexVersion: UInt32?
    public let createdAt: Date

    public init(token: Data, kind: Kind, requestID: RequestID, indexVersion: UInt32?, createdAt: Date) {
        self.token = token
        self.kind = kind
        self.requestID = requestID
        self.indexVersion = indexVersion
        self.createdAt = createdAt
    }
}

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

    public init(decisions: [DataCategory: ErasureDecision]) { self.decisions = decisions }

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

import Foundation

/// How a customer's identity was confirmed before a change, as the company's procedures list them.
public enum VerificationMethod: String, CaseIterable, Sendable, Codable {
    /// The customer answered the account's security question.
    case securityQuestions = "security-questions"
    /// The customer entered a one-time code sent to the registered email address.
    case oneTimeCodeEmail = "one-time-code-email"
    /// The customer entered a one-time code sent to the registered phone.
    case oneTimeCodePhone = "one-time-code-phone"
    /// The customer gave a date of birth and postal address that match the account.
    case dateOfBirthAndAddress = "date-of-birth-and-address"
}

/// The evidence that identity was verified: method, who verified, when. Never the answers themselves.
public struct VerificationEvidence: Hashable, Sendable, Codable {
    /// How identity was confirmed.
    public let method: VerificationMethod
    /// The staff id of the agent, or `system` for a code the customer entered.
    public let verifiedBy: String
    /// When identity was confirmed.
    public let verifiedAt: Date

    /// Evidence of one verification, recorded once a check has passed; it names the method, never the answers.
    public init(method: VerificationMethod, verifiedBy: String, verifiedAt: Date) {
        self.method = method
        self.verifiedBy = verifiedBy
        self.verifiedAt = verifiedAt
    }
}

/// The record kept for every change to an account: what changed (field names, never values), when,
/// why, by whom, and what it relates to.
public struct RecordNote: Hashable, Sendable, Codable {
    /// The note's row id; `nil` until the store has saved it.
    public let id: Int64?
    /// The account that changed.
    public let accountID: AccountID
    /// When the change was made.
    public let at: Date
    /// The staff id (or `customer`, `system`) who made the change.
    public let author: String
    /// Names of the fields changed, e.g. `["email", "address.line1"]`.
    public let changedFields: [String]
    /// Why, in the agent's words. Stored encrypted under the customer's key.
    public let reason: String
    /// A linked privacy request or support ticket.
    public let reference: String?
    /// How the customer's identity was confirmed for the change, if it needed confirming.
    public let verification: VerificationEvidence?

    /// A note for one change; give field names in `changedFields`, never the old or new values.
    public init(
        id: Int64? = nil,
        accountID: AccountID,
        at: Date,
        author: String,
        changedFields: [String],
        reason: String,
        reference: String?,
        verification: VerificationEvidence?
    ) {
        self.id = id
        self.accountID = accountID
        self.at = at
        self.author = author
        self.changedFields = changedFields
        self.reason = reason
        self.reference = reference
        self.verification = verification
    }
}

/// How personal values are shown to an agent who has not asked to reveal them.
public enum Masking {
    /// `j***@example.com`.
    public static func email(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@"), at > email.startIndex else { return "***" }
        return String(email[email.startIndex]) + "***" + email[at...]
    }

    /// `•••• 0958`: the last four digits only.
    public static func phone(_ phone: String) -> String {
        let digits = phone.filter(\.isNumber)
        return "•••• " + String(digits.suffix(4))
    }

    /// `J*** D***`: initials only.
    public static func name(_ name: String) -> String {
        name.split(separator: " ").map { ($0.first.map(String.init) ?? "") + "***" }.joined(separator: " ")
    }

    /// `1***, L***, GB`: the first line and the city reduced to their first characters; only the
    /// country is shown in full.
    public static func address(_ address: PostalAddress) -> String {
        let first = address.line1.first.map(String.init) ?? ""
        return "\(first)***, \(address.city.first.map(String.init) ?? "")***, \(address.country)"
    }
}

import Foundation

/// The rights an agent can exercise (DRP 1.0 §3.01).
public enum DRPAction: String, CaseIterable, Sendable, Codable {
    /// Opt out of the sale or sharing of personal information; needs no identity verification.
    case saleOptOut = "sale:opt-out"
    /// Opt back in to sale or sharing.
    case saleOptIn = "sale:opt-in"
    /// Delete the consumer's personal information.
    case deletion
    /// A copy of the consumer's personal information.
    case access
    /// The categories of information held; not defined in DRP 1.0, so refused.
    case accessCategories = "access:categories"
    /// Specific pieces of information; not defined in DRP 1.0, so refused.
    case accessSpecific = "access:specific"

    /// Reads the wire form, accepting the underscore spellings (`sale:opt_out`) the table used until
    /// August 2025 and that agents in the field still send.
    public init?(wire text: String) {
        self.init(rawValue: text.replacingOccurrences(of: "_", with: "-"))
    }

    /// The actions Lethe carries out; `access:categories` and `access:specific` are undefined in 1.0.
    public static let supported: [DRPAction] = [.saleOptOut, .saleOptIn, .deletion, .access]
}

/// The states of an exercised right (DRP 1.0 §3.02).
public enum DRPState: String, Sendable, Codable {
    /// Received and not yet acted on.
    case open
    /// Being worked on; a reason may say what it waits for (e.g. the customer's confirmation).
    case inProgress = "in_progress"
    /// Done: the right was carried out.
    case fulfilled
    /// Withdrawn by the user or cancelled.
    case revoked
    /// Refused; the reason says why.
    case denied
    /// No longer tracked, e.g. the request's record has passed its retention period.
    case expired

    /// Whether the state can no longer change (fulfilled, revoked, denied or expired); a final state
    /// carries no `expected_by`.
    public var isFinal: Bool { self == .fulfilled || self == .revoked || self == .denied || self == .expired }
}

/// Sub-states (DRP 1.0 §3.02): why a request is waiting or was denied.
public enum DRPReason: String, Sendable, Codable {
    /// Waiting for the consumer to confirm directly with the business.
    case needUserVerification = "need_user_verification"
    /// Denied because the request looks fraudulent.
    case suspectedFraud = "suspected_fraud"
    /// Denied because identity could not be verified well enough.
    case insufficientVerification = "insuf_verification"
    /// Denied because no consumer matched the identity given.
    case noMatch = "no_match"
    /// Denied because the right claimed does not apply to this data or business.
    case claimNotCovered = "claim_not_covered"
    /// Denied because the consumer is not covered by the law invoked.
    case outsideJurisdiction = "outside_jurisdiction"
    /// Denied because the consumer has made too many requests in the period the law allows.
    case tooManyRequests = "too_many_requests"
    /// Any other reason, explained in `processing_details`.
    case other
}

/// The Exercise Status object (DRP 1.0 §3.03), as answered and as pushed to the agent's callback.
public struct DRPStatusObject: Sendable, Equatable, Codable {
    /// Lethe's id for the DRP request (`request_id`), which the agent uses to follow it.
    public var requestID: String
    /// The agent's own id for the request, echoed back if it sent one.
    public var agentRequestID: String?
    /// Where the request stands, mapped from Lethe's lifecycle.
    public var status: DRPState
    /// Why it waits or was denied, when the state needs one.
    public var reason: DRPReason?
    /// When Lethe received the request, ISO 8601 in UTC.
    public var receivedAt: String?
    /// The binding statutory due date (`YYYY-MM-DD`); absent once the state is final.
    public var expectedBy: String?
    /// A plain-language note for the consumer about what is happening.
    public var processingDetails: String?
    /// Where the consumer fetches the result (the privacy center, for a fulfilled access request).
    public var resultsURL: String?
    /// When the results stop being available, if they expire.
    public var expiresAt: String?

    /// A status object from its fields.
    public init(
        requestID: String,
        agentRequestID: String?,
        status: DRPState,
        reason: DRPReason?,
        receivedAt: String?,
        expectedBy: String?,
        processingDetails: String?,
        resultsURL: String? = nil,
        expiresAt: String? = nil
    ) {
        self.requestID = requestID
        self.agentRequestID = agentRequestID
        self.status = status
        self.reason = reason
        self.receivedAt = receivedAt
        self.expectedBy = expectedBy
        self.processingDetails = processingDetails
        self.resultsURL = resultsURL
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case agentRequestID = "agent_request_id"
        case status
        case reason
        case receivedAt = "received_at"
        case expectedBy = "expected_by"
        case processingDetails = "processing_details"
        case resultsURL = "results_url"
        case expiresAt = "expires_at"
    }

    /// The JSON an agent receives: keys sorted so the same state always reads the same.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

/// The claims every signed DRP message carries (DRP 1.0 §2.01, §2.05).
public struct DRPClaims: Sendable, Equatable {
    /// The agent's directory id (`agent-id`).
    public var agentID: String
    /// The business's directory id the message is addressed to (`business-id`); must be ours.
    public var businessID: String
    /// When the agent signed the message (`issued-at`).
    public var issuedAt: Date
    /// After this instant the message must be refused (`expires-at`).
    public var expiresAt: Date
}

/// An OIDC Core §5.1.1 address, as agents send it.
public struct DRPAddress: Sendable, Equatable, Decodable {
    /// The whole address as one display string.
    public var formatted: String?
    /// Street and number, possibly several lines.
    public var streetAddress: String?
    /// City or town.
    public var locality: String?
    /// State, province or region.
    public var region: String?
    /// ZIP or postal code.
    public var postalCode: String?
    /// Country name or code, as the agent sent it.
    public var country: String?

    enum CodingKeys: String, CodingKey {
        case formatted
        case streetAddress = "street_address"
        case locality
        case region
        case postalCode = "postal_code"
        case country
    }
}

/// A Data Rights Exercise (DRP 1.0 §2.01): one right, for one person, from one agent.
public struct DRPExercise: Sendable, Equatable, Decodable {
    /// The agent's directory id (`agent-id`); must match the authenticated agent.
    public var agentID: String
    /// The business id the agent signed (`business-id`); must be ours.
    public var businessID: String
    /// `issued-at` exactly as sent; parsed with ``DRPTime/parse(_:)`` during the checks.
    public var issuedAtText: String
    /// `expires-at` exactly as sent; a message past it is refused.
    public var expiresAtText: String
    /// The agent's own id for the request, echoed in status answers.
    public var agentRequestID: String?
    /// The protocol version the agent speaks (`drp.version`), e.g. `1.0`.
    public var version: String?
    /// The right exercised, in wire form (e.g. `sale:opt-out`); read with ``DRPAction/init(wire:)``.
    public var exercise: String
    /// The law invoked, e.g. `ccpa`; mapped to a Lethe jurisdiction by ``DRPBusiness/ccpaJurisdiction``.
    public var regime: String?
    /// How the consumer relates to the business (e.g. `customer`), as the agent states it.
    public var relationships: [String]?
    /// Where to push status changes; used only if its host is on the agent's allow-list.
    public var statusCallback: String?
    /// The consumer's name, as the agent gives it.
    public var name: String?
    /// The consumer's email address, used to find the account.
    public var email: String?
    /// Whether the agent says it verified the email address.
    public var emailVerified: Bool?
    /// The consumer's phone number, used to find the account.
    public var phoneNumber: String?
    /// Whether the agent says it verified the phone number.
    public var phoneNumberVerified: Bool?
    /// The consumer's postal address.
    public var address: DRPAddress?
    /// Whether the agent says it verified the address.
    public var addressVerified: Bool?

    enum CodingKeys: String, CodingKey {
        case agentID = "agent-id"
        case businessID = "business-id"
        case issuedAtText = "issued-at"
        case expiresAtText = "expires-at"
        case agentRequestID = "agent-request-id"
        case version = "drp.version"
        case exercise
        case regime
        case relationships
        case statusCallback = "status_callback"
        case name
        case email
        case emailVerified = "email_verified"
        case phoneNumber = "phone_number"
        case phoneNumberVerified = "phone_number_verified"
        case address
        case addressVerified = "address_verified"
    }

    /// The claims that were both given and marked verified by the agent.
    public var verifiedClaims: Set<AgentClaim> {
        var claims: Set<AgentClaim> = []
        if email != nil, emailVerified == true { claims.insert(.email) }
        if phoneNumber != nil, phoneNumberVerified == true { claims.insert(.phoneNumber) }
        if address != nil, addressVerified == true { claims.insert(.address) }
        return claims
    }
}

/// The Pair-wise Key Setup message (DRP 1.0 §2.05).
public struct DRPPairing: Sendable, Equatable, Decodable {
    /// The agent's directory id (`agent-id`).
    public var agentID: String
    /// The business id the agent is pairing with (`business-id`); must be ours.
    public var businessID: String
    /// `issued-at` exactly as sent.
    public var issuedAtText: String
    /// `expires-at` exactly as sent.
    public var expiresAtText: String
    /// The protocol version the agent speaks (`drp.version`).
    public var version: String?

    enum CodingKeys: String, CodingKey {
        case agentID = "agent-id"
        case businessID = "business-id"
        case issuedAtText = "issued-at"
        case expiresAtText = "expires-at"
        case version = "drp.version"
    }
}

/// The Revoke message (DRP 1.0 §2.04): only an optional reason from the user.
public struct DRPRevoke: Sendable, Equatable, Decodable {
    /// The user's reason for revoking, if they gave one.
    public var reason: String?
}

/// ISO 8601 instants as agents write them: `Z` or a numeric offset (`+00:00`, `+0000`), with or
/// without fractional seconds of any length. A time without a zone is read as UTC.
public enum DRPTime {
    /// The instant `text` names, or `nil` when it is not a valid instant (see ``ISOInstant``).
    public static func parse(_ text: String) -> Date? { ISOInstant.parse(text, requireZone: false) }

    /// Lethe's own instants: UTC, whole seconds, `Z`.
    public static func format(_ instant: Date) -> String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return instant.formatted(style)
    }
}

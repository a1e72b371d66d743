import Foundation

/// The rights an agent can exercise (DRP 1.0 §3.01).
public enum DRPAction: String, CaseIterable, Sendable, Codable {
    case saleOptOut = "sale:opt-out"
    case saleOptIn = "sale:opt-in"
    case deletion
    case access
    case accessCategories = "access:categories"
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
    case open
    case inProgress = "in_progress"
    case fulfilled
    case revoked
    case denied
    case expired

    public var isFinal: Bool { self == .fulfilled || self == .revoked || self == .denied || self == .expired }
}

/// Sub-states (DRP 1.0 §3.02): why a request is waiting or was denied.
public enum DRPReason: String, Sendable, Codable {
    case needUserVerification = "need_user_verification"
    case suspectedFraud = "suspected_fraud"
    case insufficientVerification = "insuf_verification"
    case noMatch = "no_match"
    case claimNotCovered = "claim_not_covered"
    case outsideJurisdiction = "outside_jurisdiction"
    case tooManyRequests = "too_many_requests"
    case other
}

/// The Exercise Status object (DRP 1.0 §3.03), as answered and as pushed to the agent's callback.
public struct DRPStatusObject: Sendable, Equatable, Codable {
    public var requestID: String
    public var agentRequestID: String?
    public var status: DRPState
    public var reason: DRPReason?
    public var receivedAt: String?
    public var expectedBy: String?
    public var processingDetails: String?
    public var resultsURL: String?
    public var expiresAt: String?

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
    public var agentID: String
    public var businessID: String
    public var issuedAt: Date
    public var expiresAt: Date
}

/// An OIDC Core §5.1.1 address, as agents send it.
public struct DRPAddress: Sendable, Equatable, Decodable {
    public var formatted: String?
    public var streetAddress: String?
    public var locality: String?
    public var region: String?
    public var postalCode: String?
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
    public var agentID: String
    public var businessID: String
    public var issuedAtText: String
    public var expiresAtText: String
    public var agentRequestID: String?
    public var version: String?
    public var exercise: String
    public var regime: String?
    public var relationships: [String]?
    public var statusCallback: String?
    public var name: String?
    public var email: String?
    public var emailVerified: Bool?
    public var phoneNumber: String?
    public var phoneNumberVerified: Bool?
    public var address: DRPAddress?
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
    public var agentID: String
    public var businessID: String
    public var issuedAtText: String
    public var expiresAtText: String
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
    public var reason: String?
}

/// ISO 8601 instants as agents write them: `Z` or a numeric offset (`+00:00`, `+0000`), with or
/// without fractional seconds of any length. A time without a zone is read as UTC.
public enum DRPTime {
    public static func parse(_ text: String) -> Date? { ISOInstant.parse(text, requireZone: false) }

    /// Lethe's own instants: UTC, whole seconds, `Z`.
    public static func format(_ instant: Date) -> String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return instant.formatted(style)
    }
}

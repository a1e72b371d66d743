import Foundation

/// An identity claim an agent can say it has verified (DRP 1.0 §3.04, `supported_verifications`).
public enum AgentClaim: String, CaseIterable, Sendable, Codable {
    /// The agent checked the customer's email address (`email_verified`).
    case email
    /// The agent checked the customer's phone number (`phone_number_verified`).
    case phoneNumber = "phone_number"
    /// The agent checked the customer's postal address (`address_verified`).
    case address
}

/// What Lethe takes on an agent's word, and what it still asks the customer for.
///
/// CCPA 11 CCR §7063(a) lets a business require an agent's proof of permission and the customer's
/// own confirmation; a trusted agent whose verification the business accepts can be spared the second.
public struct IdentityAssurance: Sendable, Hashable, Codable {
    /// Verified claims that count as verification of identity when they match the account.
    public var accepts: Set<AgentClaim>
    /// Whether the customer must still confirm directly (a code to their registered address).
    public var confirmWithCustomer: Bool

    /// An assurance policy: which verified claims count, and whether the customer must still confirm.
    public init(accepts: Set<AgentClaim>, confirmWithCustomer: Bool) {
        self.accepts = accepts
        self.confirmWithCustomer = confirmWithCustomer
    }

    /// The stored form: `email,phone_number;confirm` or `email;no-confirm`.
    public var stored: String {
        accepts.map(\.rawValue).sorted().joined(separator: ",") + (confirmWithCustomer ? ";confirm" : ";no-confirm")
    }

    /// Reads the form written by ``stored``; `nil` for an unknown claim or a missing confirm flag.
    public init?(stored text: String) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == "confirm" || parts[1] == "no-confirm" else { return nil }
        var claims: Set<AgentClaim> = []
        for name in parts[0].split(separator: ",") {
            guard let claim = AgentClaim(rawValue: String(name)) else { return nil }
            claims.insert(claim)
        }
        self.init(accepts: claims, confirmWithCustomer: parts[1] == "confirm")
    }
}

/// An authorized agent Lethe trusts: a Data Rights Protocol agent with its directory key.
public struct AuthorizedAgent: Sendable, Hashable, Codable {
    /// The DRP directory id, `[A-Z0-9_]+` (e.g. `CR_AA_DRP_ID_001`).
    public let id: String
    /// The agent's display name, shown to officers and customers (e.g. "Consumer Reports Permission Slip").
    public var name: String
    /// The agent's Ed25519 verify key, standard base64 of 32 bytes.
    public var verifyKey: String
    /// What Lethe accepts on this agent's word and whether it still asks the customer.
    public var assurance: IdentityAssurance
    /// Hosts (`host` or `host:port`) the agent's status callbacks may go to; empty means none.
    public var callbackHosts: [String]
    /// When the agent was onboarded.
    public var addedAt: Date
    /// Set once the agent is revoked: its token stops working and it cannot pair again.
    public var revokedAt: Date?

    /// An agent record as onboarding (`lethe agents add` or `import`) creates it.
    public init(
        id: String,
        name: String,
        verifyKey: String,
        assurance: IdentityAssurance,
        callbackHosts: [String],
        addedAt: Date,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.verifyKey = verifyKey
        self.assurance = assurance
        self.callbackHosts = callbackHosts
        self.addedAt = addedAt
        self.revokedAt = revokedAt
    }

    /// Directory ids are upper-case letters, digits and underscores (the schema says `[A-Z_]+`;
    /// the consortium's own agents carry digits too).
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Whether a status callback to `url` is allowed: http or https, to a host on the agent's list.
    public func allowsCallback(to url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host?.lowercased(), url.user == nil, url.password == nil
        else { return false }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return callbackHosts.contains { allowed in
            let entry = allowed.lowercased()
            return entry == host || entry == "\(host):\(port)" || entry == "\(host):*"
        }
    }
}

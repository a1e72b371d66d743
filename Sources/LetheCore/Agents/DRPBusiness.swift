import Foundation

/// How Lethe answers the Data Rights Protocol for the business running it (`Policies/drp.yaml`):
/// its directory entry (DRP 1.0 §3.05) and which of Lethe's jurisdictions a `regime` means.
public struct DRPBusiness: Sendable, Equatable {
    /// The business's directory id, `[A-Z0-9_]+`; agents sign it as `business-id`.
    public var id: String
    /// The business's name as the directory shows it.
    public var name: String
    /// A URL of the business's logo for the directory, if any.
    public var logo: String?
    /// Where the endpoints live, without a trailing slash; its path is where Lethe mounts them.
    public var apiBase: String
    /// The business's public website.
    public var webURL: String?
    /// Where its privacy policy is published.
    public var privacyPolicyURL: String?
    /// Who agents' engineers contact about the endpoint.
    public var technicalContact: String?
    /// Who the directory operators contact about the business.
    public var businessContact: String?
    /// The verified claims the business says it can use, as published in the directory entry.
    public var supportedVerifications: [AgentClaim]
    /// Lethe jurisdiction for `regime: ccpa`, and for a voluntary request about someone with no account.
    public var ccpaJurisdiction: String
    /// How far an agent's clock may run ahead of ours before `issued-at` counts as in the future.
    public var clockSkewSeconds: Int

    /// The business entry; the defaults advertise email and phone verification, answer `ccpa` under
    /// `us-ca` and allow one minute of clock skew.
    public init(
        id: String,
        name: String,
        logo: String? = nil,
        apiBase: String,
        webURL: String? = nil,
        privacyPolicyURL: String? = nil,
        technicalContact: String? = nil,
        businessContact: String? = nil,
        supportedVerifications: [AgentClaim] = [.email, .phoneNumber],
        ccpaJurisdiction: String = "us-ca",
        clockSkewSeconds: Int = 60
    ) {
        self.id = id
        self.name = name
        self.logo = logo
        self.apiBase = apiBase
        self.webURL = webURL
        self.privacyPolicyURL = privacyPolicyURL
        self.technicalContact = technicalContact
        self.businessContact = businessContact
        self.supportedVerifications = supportedVerifications
        self.ccpaJurisdiction = ccpaJurisdiction
        self.clockSkewSeconds = clockSkewSeconds
    }

    /// The path the endpoints are mounted under (`/drp` for `https://privacy.example.com/drp`).
    public var mountPath: String {
        let path = URL(string: apiBase)?.path ?? ""
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.isEmpty ? "" : trimmed
    }

    /// The business entry, as published to the DRP directory operators.
    public func directoryEntry() -> Data {
        var entry: [String: Any] = [
            "id": id,
            "name": name,
            "api_base": apiBase,
            "supported_actions": DRPAction.supported.map(\.rawValue),
            "supported_verifications": supportedVerifications.map(\.rawValue),
        ]
        entry["logo"] = logo
        entry["web_url"] = webURL
        entry["privacy_policy_url"] = privacyPolicyURL
        entry["technical_contact"] = technicalContact
        entry["business_contact"] = businessContact
        return
            (try? JSONSerialization.data(
                withJSONObject: entry,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            )) ?? Data()
    }
}

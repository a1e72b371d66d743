import Foundation

// controller.yaml and drp.yaml: who the controller is, and how it appears to authorized agents.
extension PolicyParser {

    static func controller(_ root: PolicyNode) throws -> DataController {
        let map = try root.mapping("controller policy", allowed: ["controller", "notes"])
        let entry = try map.required("controller").mapping(
            "controller",
            allowed: [
                "name", "postal-address", "email", "privacy-notice-url", "privacy-center-url", "dpo-email",
                "international-transfers", "time-zone",
            ]
        )
        func email(_ key: String) throws -> String? {
            guard let node = entry.optional(key) else { return nil }
            let value = try node.string(key)
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !value.contains(where: \.isWhitespace)
            else { throw node.issue("\(key) '\(value)' is not an email address") }
            return value
        }
        func url(_ key: String) throws -> String {
            let node = try entry.required(key)
            let value = try node.string(key)
            guard let url = URL(string: value), url.scheme == "https" || url.scheme == "http", url.host != nil else {
                throw node.issue("\(key) must be an http(s) URL")
            }
            return value
        }
        func zone() throws -> String {
            guard let node = entry.optional("time-zone") else { return "UTC" }
            let value = try node.string("time-zone")
            guard TimeZone(identifier: value) != nil else {
                throw node.issue("time-zone '\(value)' is not an IANA time zone (e.g. Europe/London)")
            }
            return value
        }
        guard let contact = try email("email") else { throw try entry.required("email").issue("email is required") }
        return DataController(
            name: try entry.required("name").string("name"),
            postalAddress: try entry.required("postal-address").string("postal-address"),
            email: contact,
            privacyNoticeURL: try url("privacy-notice-url"),
            privacyCenterURL: try url("privacy-center-url"),
            dpoEmail: try email("dpo-email"),
            internationalTransfers: try entry.optional("international-transfers")?.string("international-transfers"),
            timeZoneIdentifier: try zone()
        )
    }

    static func dataRightsProtocol(_ root: PolicyNode) throws -> DRPBusiness {
        let map = try root.mapping("drp policy", allowed: ["business", "regimes", "clock-skew-seconds", "notes"])
        let business = try map.required("business").mapping(
            "business entry",
            allowed: [
                "id", "name", "logo", "api-base", "web-url", "privacy-policy-url", "technical-contact",
                "business-contact", "supported-verifications",
            ]
        )
        let idNode = try business.required("id")
        let id = try idNode.string("business id")
        guard AuthorizedAgent.isValidID(id) else {
            throw idNode.issue("business id '\(id)' must be upper-case letters, digits and underscores")
        }
        let baseNode = try business.required("api-base")
        let apiBase = try baseNode.string("api-base")
        guard let url = URL(string: apiBase), url.scheme == "https" || url.scheme == "http", url.host != nil,
            !apiBase.hasSuffix("/")
        else {
            throw baseNode.issue("api-base must be an http(s) URL without a trailing slash (agents append /v1/...)")
        }
        var verifications: [AgentClaim] = []
        for node in try business.optional("supported-verifications")?.sequence("supported-verifications") ?? [] {
            verifications.append(try node.oneOf("verification", AgentClaim.self))
        }
        let regimes = try map.optional("regimes")?.mapping("regimes", allowed: ["ccpa"])
        return DRPBusiness(
            id: id,
            name: try business.required("name").string("business name"),
            logo: try business.optional("logo")?.string("logo"),
            apiBase: apiBase,
            webURL: try business.optional("web-url")?.string("web-url"),
            privacyPolicyURL: try business.optional("privacy-policy-url")?.string("privacy-policy-url"),
            technicalContact: try business.optional("technical-contact")?.string("technical-contact"),
            businessContact: try business.optional("business-contact")?.string("business-contact"),
            supportedVerifications: verifications,
            ccpaJurisdiction: try regimes?.optional("ccpa")?.string("ccpa jurisdiction") ?? "us-ca",
            clockSkewSeconds: try map.optional("clock-skew-seconds")?.int("clock-skew-seconds") ?? 60
        )
    }
}

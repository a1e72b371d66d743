import Foundation

/// Who is responsible for the customers' data, as every notice and customer page names them: the
/// controller's identity and contact details are owed in every privacy notice and answer (GDPR Art
/// 13(1)(a)-(b), 14(1)(a)-(b), 15(1); UK GDPR likewise), and a business must say how to reach it (CCPA
/// Civil Code §1798.130(a)(1)). Configured once, in `Policies/controller.yaml`.
///
/// ```yaml
/// controller:
///   name: "Example Ltd"
///   postal-address: "1 Example Street, London EC1A 1AA, United Kingdom"
///   email: "privacy@example.com"
///   privacy-notice-url: "https://example.com/privacy-notice"
///   privacy-center-url: "https://privacy.example.com/privacy"
/// ```
public struct DataController: Sendable, Equatable {
    /// The legal name, as the privacy notice gives it.
    public var name: String
    /// Where to write, on one line.
    public var postalAddress: String
    /// Where customers write about their data; also the `From` address of every notice.
    public var email: String
    /// The published privacy notice.
    public var privacyNoticeURL: String
    /// The privacy center's public address, where customers sign in to follow requests and download
    /// exports; notices link here.
    public var privacyCenterURL: String
    /// The data protection officer's address, where one is designated (GDPR Art 37-39).
    public var dpoEmail: String?
    /// Whether data leaves the customer's country and under which safeguards (GDPR Art 15(1)(c), 15(2),
    /// 46), in a sentence for customers; exports say it.
    public var internationalTransfers: String?
    /// The IANA time zone staff and customers read times in (`Europe/London`): the request page shows
    /// when a request arrived in the controller's own hours, not raw UTC.
    public var timeZoneIdentifier: String

    /// The controller's ``timeZoneIdentifier`` as a `TimeZone`; UTC when the identifier is unknown
    /// (``PolicySet`` refuses such a file, so only a hand-made value can fall back).
    public var timeZone: TimeZone {
        TimeZone(identifier: timeZoneIdentifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// A controller from each of its parts.
    public init(
        name: String,
        postalAddress: String,
        email: String,
        privacyNoticeURL: String,
        privacyCenterURL: String,
        dpoEmail: String? = nil,
        internationalTransfers: String? = nil,
        timeZoneIdentifier: String = "UTC"
    ) {
        self.name = name
        self.postalAddress = postalAddress
        self.email = email
        self.privacyNoticeURL = privacyNoticeURL
        self.privacyCenterURL = privacyCenterURL
        self.dpoEmail = dpoEmail
        self.internationalTransfers = internationalTransfers
        self.timeZoneIdentifier = timeZoneIdentifier
    }

    /// What a policy folder without `controller.yaml` gets: plainly a placeholder, on reserved names.
    public static let unconfigured = DataController(
        name: "The company (set Policies/controller.yaml)",
        postalAddress: "address not configured",
        email: "privacy@lethe.invalid",
        privacyNoticeURL: "https://lethe.invalid/privacy-notice",
        privacyCenterURL: "http://127.0.0.1:8080/privacy"
    )

}

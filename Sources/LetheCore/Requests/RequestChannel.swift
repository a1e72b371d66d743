/// How a request reached the company (CCPA §7101 keeps "the manner in which the request was made").
public enum RequestChannel: String, CaseIterable, Sendable, Codable {
    /// The privacy center or a web form.
    case web
    /// An email to the company.
    case email
    /// The support chat.
    case chat
    /// A telephone call.
    case phone
    /// A member of staff entered it on the customer's behalf.
    case agent
    /// An authorized agent acting for the customer (CCPA §7063; the Data Rights Protocol).
    case authorizedAgent = "authorized-agent"
    /// A browser opt-out preference signal such as Global Privacy Control (CCPA §7025).
    case optOutSignal = "opt-out-signal"
}

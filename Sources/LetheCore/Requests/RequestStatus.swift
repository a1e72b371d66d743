/// Where a privacy request stands in its lifecycle.
///
/// The allowed moves are listed once, in ``RequestStatus/allowedNext``, so the state machine is data
/// that can be read, tested and drawn (docs/architecture.md) rather than scattered conditionals.
public enum RequestStatus: String, CaseIterable, Sendable, Codable {
    case received
    case awaitingVerification = "awaiting-verification"
    case verified
    case inProgress = "in-progress"
    /// The response period was extended with a notice and reason; work continues.
    case extended
    case completed
    /// Refused, with the reason and the customer's right to complain recorded on the event.
    case denied
    case cancelled

    /// The statuses this one may move to.
    public var allowedNext: Set<RequestStatus> {
        switch self {
        case .received: return [.awaitingVerification, .verified, .denied, .cancelled]
        case .awaitingVerification: return [.verified, .denied, .cancelled]
        case .verified: return [.inProgress, .extended, .completed, .denied, .cancelled]
        case .inProgress: return [.extended, .completed, .denied, .cancelled]
        // An extension is granted once: the extended period is the statutory maximum.
        case .extended: return [.inProgress, .completed, .denied, .cancelled]
        case .completed, .denied, .cancelled: return []
        }
    }

    /// Whether the request is finished and can no longer change.
    public var isTerminal: Bool { allowedNext.isEmpty }
}

/// Where a privacy request stands in its lifecycle.
///
/// The allowed moves are listed once, in ``RequestStatus/allowedNext``, so the state machine is data
/// that can be read, tested and drawn (docs/architecture.md) rather than scattered conditionals.
public enum RequestStatus: String, CaseIterable, Sendable, Codable {
    /// Recorded; no verification has started yet.
    case received
    /// Waiting for the customer to prove their identity (a code, an answer).
    case awaitingVerification = "awaiting-verification"
    /// Identity confirmed, or not required; ready to be worked.
    case verified
    /// An officer or the worker is carrying the request out.
    case inProgress = "in-progress"
    /// The response period was extended with a notice and reason; work continues.
    case extended
    /// Done; the customer has been told.
    case completed
    /// Refused, with the reason and the customer's right to complain recorded on the event.
    case denied
    /// Withdrawn by the customer or cancelled by an officer, with a reason.
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

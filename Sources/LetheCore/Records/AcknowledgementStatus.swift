import Foundation

/// Whether the customer was told their request arrived (the receipt acknowledgement that CCPA regulations
/// §7021(a) and the state laws modelled on it require within a set number of days).
///
/// The moment of delivery is kept on the request record itself, so it outlives the outbox row (delivered
/// notices are purged on their own schedule, and an erasure removes the customer's notices).
public enum AcknowledgementStatus: Sendable, Equatable {
    /// The transport accepted it at this instant.
    case sent(at: Date)
    /// Queued and not yet delivered; `attempts` deliveries have failed so far.
    case waiting(attempts: Int)
    /// Every attempt failed, or the mail server bounced it: it will not be delivered
    /// (`lethe outbox failed` lists it with the reason).
    case failed
    /// None was queued: the request came with no address to answer (an agent without an email, or a
    /// request entered by staff for a person with no contact details), or its notice was erased.
    case notQueued
}

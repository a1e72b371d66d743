import Foundation
import LetheCore
import LetheStore

/// What became of an opt-out preference signal (Global Privacy Control) from a signed-in customer.
public enum OptOutSignalOutcome: Sendable, Equatable {
    /// Recorded as an opt-out of sale and sharing on the law's opt-out clock (today's request, or the
    /// one already made today); `law` is the jurisdiction's name and `citation` the rule that requires it.
    case honoured(RequestID, law: String, citation: String)
    /// Every purpose the signal withdraws is already withdrawn: nothing new to record, and the signal is
    /// honoured by the opt-out already on the ledger.
    case alreadyOptedOut(law: String, citation: String)
    /// The customer's law does not require the signal to be honoured (or not yet on this day): nothing
    /// is recorded, and the customer can opt out by the consent form.
    case notRequired(law: String)
}

// Opt-out preference signals: honoured as an opt-out of sale and sharing wherever, and from when, the
// customer's law requires it (Policies/jurisdictions/*.yaml, `opt-out-signal`).
extension RequestService {
    /// Honours an opt-out preference signal from the signed-in customer `id`, once a day at most: where
    /// the customer's law requires it on today's date (in the law's time zone), the signal becomes a
    /// consent change on the law's opt-out clock (15 business days in California, 11 CCR §7026(f)),
    /// applied at once because an opt-out needs no verification; elsewhere nothing is recorded.
    ///
    /// - Throws: ``RequestError/accountNotFound(_:)``, ``RequestError/unknownJurisdiction(_:)``; the
    ///   store's errors.
    public func honourOptOutSignal(from id: AccountID) async throws -> OptOutSignalOutcome {
        guard let account = try await store.account(id) else { throw RequestError.accountNotFound(id) }
        guard let law = policies.jurisdictions[account.residence] else {
            throw RequestError.unknownJurisdiction(account.residence)
        }
        let today = law.day(of: clock.now())
        guard law.requiresOptOutSignal(on: today), let rule = law.optOutSignalFrom else {
            return .notRequired(law: law.name)
        }
        var latest: [String: Bool] = [:]
        for entry in try await store.consents(id).sorted(by: { $0.at < $1.at }) {
            latest[entry.purpose] = entry.granted
        }
        let withdrawn = policies.purposes.filter(\.withdrawnByOptOutSignal).map(\.id)
        if !withdrawn.isEmpty, withdrawn.allSatisfy({ latest[$0] == false }) {
            return .alreadyOptedOut(law: law.name, citation: rule.citation)
        }
        let receipt = try await submit(
            RequestSubmission(
                kind: .consentChange,
                deadlineKind: .optOutOfSale,
                accountID: id,
                channel: .optOutSignal,
                idempotencyKey: "gpc:\(id):\(today)",
                submittedBy: .customer
            )
        )
        return .honoured(receipt.outcome.requestID, law: law.name, citation: rule.citation)
    }
}

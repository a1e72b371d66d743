import Foundation
import LetheCore
import LetheStore

/// Applies an accepted correction (GDPR Art 16, CCPA §1798.106): the officer's approval queued this job,
/// and the change goes through the same verified account workflow as any other change, so it leaves a
/// record note, tells the customer at the address on record and passes the correction on to every
/// recipient that holds the field (GDPR Art 19). Then the request completes with a summary.
///
/// Exactly once: a job that applied the change and stopped before completing the request finds the value
/// already held when it runs again, and completes without a second note, notice or recipient message.
struct CorrectionJob: Sendable {
    let accounts: AccountService
    let requests: RequestService

    func run(_ id: RequestID) async throws {
        guard let stored = try await requests.inWork(id) else { return }
        guard let correction = stored.correction, let accountID = stored.request.accountID,
            let account = try await accounts.store.account(accountID)
        else {
            // Nothing can be applied (no account was matched, or it was erased since): an officer answers.
            try await requests.toSupervisors(
                id,
                threshold: "correction-unapplicable",
                reason: "the correction has no account to apply to; answer the customer by hand"
            )
            return
        }
        let field = Self.words(correction.field)
        if !correction.isHeld(by: account) {
            if let conflict = try await accounts.conflict(in: [correction.accountChange], for: account) {
                // Applying would escalate (e.g. the email belongs to another account): a supervisor decides,
                // and completes or refuses the request by hand.
                try await requests.toSupervisors(
                    id,
                    threshold: "correction-conflict",
                    reason: "the correction conflicts with the record: \(conflict)"
                )
                return
            }
            guard let evidence = Self.evidence(of: stored) else {
                throw JobFailure(message: "correction request \(id) has no identity verification on record")
            }
            var reason = "Correction requested by the customer (request \(id))."
            if let statement = correction.statement { reason += " Customer's statement: \(statement)" }
            let outcome = try await accounts.modify(
                accountID,
                changes: [correction.accountChange],
                verification: IdentityVerification(accountID: accountID, evidence: evidence),
                reason: reason,
                reference: id.rawValue,
                by: "system:correction"
            )
            if case .escalated(_, let why) = outcome {
                try await requests.toSupervisors(
                    id,
                    threshold: "correction-conflict",
                    reason: "the correction was escalated: \(why)"
                )
                return
            }
        }
        _ = try await requests.complete(
            id,
            by: .system("correction"),
            summary: "We corrected your \(field) as you asked, and we are telling everyone we had passed it on to."
        )
    }

    /// The request's identity verification, as the record note states it: the method and who checked.
    /// A code the customer typed is the one-time code sent to the registered email; a staff member's check
    /// names its method in the verifying event's reason.
    static func evidence(of stored: StoredRequest) -> VerificationEvidence? {
        guard let verified = stored.request.events.last(where: { $0.to == .verified }) else { return nil }
        switch verified.actor {
        case .staff(let officer):
            let method =
                VerificationMethod.allCases.first { verified.reason?.contains($0.rawValue) ?? false }
                ?? .securityQuestions
            return VerificationEvidence(method: method, verifiedBy: officer, verifiedAt: verified.at)
        case .customer, .agent, .system:
            return VerificationEvidence(method: .oneTimeCodeEmail, verifiedBy: "system", verifiedAt: verified.at)
        }
    }

    /// The field in the words of the customer's notice.
    static func words(_ field: CorrectableField) -> String {
        switch field {
        case .fullName: return "name"
        case .email: return "email address"
        case .phone: return "phone number"
        case .address: return "address"
        }
    }
}

import Foundation
import LetheCore
import LetheStore

// Ending a deactivation: the customer asked to restrict their account (GDPR Art 18) and now asks to
// use it again. Staff reactivate on verified identity; a customer does it in the privacy center with a
// code sent to the registered email. Either way the change carries a record note with its evidence, an
// `account.changed` audit entry naming the status field, and a notice to the customer.
extension AccountService {
    /// Who the record note and audit entry name when customers reactivate their own account.
    public static let customerAuthor = "customer"

    /// Returns a deactivated account to normal use, once identity is verified.
    ///
    /// ```swift
    /// let proof = try await accounts.verifyIdentity(id, proof: .securityAnswer("Pemberton"), by: "agent-7")
    /// try await accounts.reactivate(id, verification: proof, reason: "customer phoned", reference: nil, by: "agent-7")
    /// ```
    ///
    /// - Parameters:
    ///   - verification: the identity check passed for this account, or nil when it failed.
    ///   - reason: why, for the record note; required.
    /// - Throws: ``AccountError/identityNotVerified(_:)`` without a passed check,
    ///   ``AccountError/notDeactivated(_:status:)`` when the account is not deactivated,
    ///   ``AccountError/notFound(_:)``, and the store's errors.
    public func reactivate(
        _ id: AccountID,
        verification: IdentityVerification?,
        reason: String,
        reference: String?,
        by author: String
    ) async throws {
        let reasonText = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reasonText.isEmpty else {
            throw AccountError.invalid(field: "reason", reason: "say why the account is reactivated")
        }
        if let reference { try PersonalFieldCheck.text(reference, field: "reference") }
        guard let account = try await store.account(id) else { throw AccountError.notFound(id) }
        guard let verification else { throw AccountError.identityNotVerified(id) }
        guard verification.accountID == id else { throw AccountError.verificationForAnotherAccount }
        guard account.status == .deactivated else { throw AccountError.notDeactivated(id, status: account.status) }
        let note = RecordNote(
            accountID: id,
            at: clock.now(),
            author: author,
            changedFields: [AccountChange.status(.active).fieldName],
            reason: reasonText,
            reference: reference,
            verification: verification.evidence
        )
        try await store.updateAccount(
            id,
            changes: [.status(.active)],
            note: note,
            notification: OutboxMessage(.accountReactivated(account: id), accountID: id, recipient: account.email)
        )
        logger.info(
            "account reactivated",
            metadata: [
                "account": "\(id)", "verification": "\(verification.evidence.method.rawValue)", "by": "\(author)",
            ]
        )
    }

    /// Sends a reactivation code to `email` when it belongs to a deactivated account. Says nothing either
    /// way, so the privacy center's form cannot be used to learn who is a customer; the code limits apply.
    /// - Throws: the store's errors only.
    public func sendReactivationCode(email: String) async throws {
        guard let id = try? await store.accountID(forEmail: email), try await store.accountStatus(id) == .deactivated
        else { return }
        do {
            try await sendVerificationCode(id)
        } catch AccountError.invalid(field: "code", _) {
            logger.notice("reactivation code rate-limited", metadata: ["account": "\(id)"])
        }
    }

    /// Reactivates the deactivated account of `email` when `code` is the one sent to it: the right code
    /// proves control of the registered address, which is the evidence recorded.
    ///
    /// - Returns: the account, so the privacy center can open the customer's session.
    /// - Throws: ``AccountError/codeRefused`` for a wrong, expired or used-up code or an unknown email;
    ///   ``AccountError/notDeactivated(_:status:)`` when the account is already in use.
    public func reactivate(email: String, code: String) async throws -> AccountID {
        guard let id = try? await store.accountID(forEmail: email) else { throw AccountError.codeRefused }
        let checked: IdentityVerification?
        do {
            checked = try await verifyOneTimeCode(id, code: code, by: Self.customerAuthor)
        } catch AccountError.invalid(field: "code", _) {
            throw AccountError.codeRefused
        }
        guard let verification = checked else { throw AccountError.codeRefused }
        try await reactivate(
            id,
            verification: verification,
            reason: "the customer asked to use the account again (privacy center)",
            reference: nil,
            by: Self.customerAuthor
        )
        return id
    }
}

import Foundation
import LetheCore
import LetheStore

/// What a requester or a staff member offers to prove that the requester is who the request is about.
public enum IdentityProof: Sendable, Equatable {
    /// The one-time code sent to the requester.
    case code(String)
    /// The answer to the account's security question, checked by staff.
    case securityAnswer(String)
    /// Date of birth and the postcode of an address on the account, checked by staff.
    case dateOfBirthAndPostcode(LocalDate, postcode: String)

    /// How the proof is named in messages (never its value).
    public var methodName: String {
        switch self {
        case .code: return "code"
        case .securityAnswer: return VerificationMethod.securityQuestions.rawValue
        case .dateOfBirthAndPostcode: return VerificationMethod.dateOfBirthAndAddress.rawValue
        }
    }
}

extension RequestService {

    /// Sends a fresh code, within the per-customer and per-address limits.
    /// - Throws: ``RequestError/noCodePending`` when the request is not awaiting verification by email,
    ///   ``RequestError/rateLimited``, ``RequestError/notFound(_:)``; `StoreError` from the store.
    public func resendCode(_ id: RequestID) async throws {
        let stored = try await load(id)
        guard stored.request.status == .awaitingVerification, let address = stored.requesterEmail else {
            throw RequestError.noCodePending
        }
        do {
            try await codes.send(id.rawValue, keyOwner: stored.subjectID, to: address) { digits in
                OutboxMessage(
                    .verificationCode(request: id, code: digits, expiresInMinutes: Int(policy.codeLifetime / 60)),
                    accountID: stored.request.accountID,
                    recipient: address
                )
            }
        } catch OneTimeCodes.Failure.rateLimited {
            logger.notice("code resend refused: rate limit", metadata: ["request": "\(id)"])
            throw RequestError.rateLimited
        }
    }

    /// Checks a code the requester typed. A right code verifies the request; five wrong ones lock it.
    /// - Returns: whether the code was right; a wrong code is counted, not thrown.
    /// - Throws: ``RequestError/noCodePending``, ``RequestError/codeLocked`` (the request then goes to a
    ///   supervisor), ``RequestError/codeExpired``, ``RequestError/rateLimited``; `StoreError`.
    @discardableResult
    public func verifyCode(_ id: RequestID, code: String) async throws -> Bool {
        let stored = try await load(id)
        guard stored.request.status == .awaitingVerification else { throw RequestError.noCodePending }
        let matches: Bool
        do {
            matches = try await codes.check(id.rawValue, digits: code)
        } catch let failure as OneTimeCodes.Failure {
            switch failure {
            case .noneSent: throw RequestError.noCodePending
            case .locked:
                // Identity cannot be verified by code any more: a supervisor decides what happens next.
                try await toSupervisors(
                    id,
                    threshold: "unverifiable",
                    reason: "the verification code was locked after too many wrong tries"
                )
                throw RequestError.codeLocked
            case .expired: throw RequestError.codeExpired
            case .rateLimited: throw RequestError.rateLimited
            }
        }
        guard matches else {
            logger.notice("wrong verification code", metadata: ["request": "\(id)"])
            return false
        }
        if stored.channel == .authorizedAgent {
            try await confirmAgent(stored, confirmedAt: clock.now(), permission: nil)
            try await applyConsentIfVerified(id)
            return true
        }
        try await move(
            stored,
            to: .verified,
            actor: .customer,
            reason: "identity verified by a one-time code sent to the registered email"
        )
        if stored.request.kind == .consentChange { try await applyConsentChanges(id) }
        return true
    }

    /// Marks a request verified on an agent's checked evidence (security questions, date of birth and address).
    /// - Throws: ``RequestError/verificationForAnotherAccount``, ``RequestError/notFound(_:)``,
    ///   ``RequestError/illegal(_:)`` when the request is not awaiting verification; `StoreError`.
    public func verify(_ id: RequestID, with verification: IdentityVerification, by officer: String) async throws {
        let stored = try await load(id)
        guard stored.request.accountID == verification.accountID else {
            throw RequestError.verificationForAnotherAccount
        }
        try await move(
            stored,
            to: .verified,
            actor: .staff(officer),
            reason:
                "identity verified by \(verification.evidence.method.rawValue), checked by \(verification.evidence.verifiedBy)"
        )
    }

    /// Verifies the requester of `id` with `proof`: the one verification every front end uses
    /// (the API, the dashboard, the privacy center and the CLI), so the rules and limits are the same.
    ///
    /// A code is checked against the request's pending code; staff-side evidence against the matched
    /// account's record, with the account's attempt limit. On success the request moves on as
    /// ``verify(_:with:by:)`` describes.
    /// - Throws: ``RequestError/codeRefused``, ``RequestError/identityNotVerified``,
    ///   ``RequestError/needsMatchedAccount``, ``RequestError/notFound(_:)``, the code errors
    ///   (`codeLocked`, `codeExpired`, `noCodePending`, `rateLimited`), and `AccountError` when the
    ///   account's identity checks are locked.
    public func verify(_ id: RequestID, proof: IdentityProof, by officer: String) async throws {
        if case .code(let code) = proof {
            guard try await verifyCode(id, code: code) else { throw RequestError.codeRefused }
            return
        }
        guard let stored = try await store.request(id) else { throw RequestError.notFound(id) }
        guard let account = stored.request.accountID else { throw RequestError.needsMatchedAccount }
        let verification = try await AccountService(store: store, vault: vault, policies: policies, clock: clock)
            .verifyIdentity(account, proof: proof, by: officer)
        guard let verification else { throw RequestError.identityNotVerified }
        try await verify(id, with: verification, by: officer)
    }
}

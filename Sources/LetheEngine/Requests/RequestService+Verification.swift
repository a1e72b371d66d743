import Foundation
import LetheCore

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

import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// Proof that identity was verified for one account, with its evidence. Only the engine creates it
/// (the initializer is internal): from a check that passed here, or from a live privacy-center session
/// (``AccessService/customerVerification(sessionToken:)``), so a change cannot be made on the strength of
/// evidence typed in by a caller.
public struct IdentityVerification: Sendable, Equatable {
    public let accountID: AccountID
    public let evidence: VerificationEvidence

    init(accountID: AccountID, evidence: VerificationEvidence) {
        self.accountID = accountID
        self.evidence = evidence
    }
}

// Staff-side identity checks and account codes, with the same attempt limits as request codes.
extension AccountService {
    // MARK: Verify

    /// Wrong staff-side identity checks (security answer, date of birth and postcode) allowed per account
    /// in an hour, as for one-time codes: beyond it every check is refused, the right answer included,
    /// so an agent cannot be walked through guesses.
    public static let maxIdentityCheckFailuresPerHour = 5

    static func identityCheckKey(_ id: AccountID) -> String { "identity-check:\(id)" }

    /// Refuses when the account's recent failed checks reach the limit.
    ///
    /// - Throws: ``AccountError/identityChecksLocked(_:)``.
    /// Returns the recent failures, which are below the limit.
    func requireIdentityChecksOpen(_ id: AccountID) async throws -> Int {
        let failures = try await store.signInFailures(
            key: Self.identityCheckKey(id),
            since: clock.now().addingTimeInterval(-3600)
        )
        guard failures < Self.maxIdentityCheckFailuresPerHour else { throw AccountError.identityChecksLocked(id) }
        return failures
    }

    /// Records the outcome of a check: a failure counts, a success clears the count (a write only when
    /// there is something to clear, so the common case costs one read).
    func recordIdentityCheck(_ id: AccountID, passed: Bool, failuresBefore: Int) async throws {
        if passed {
            if failuresBefore > 0 { try await store.clearSignInFailures(key: Self.identityCheckKey(id)) }
        } else {
            try await store.recordSignInFailure(key: Self.identityCheckKey(id), at: clock.now())
            logger.notice("identity check failed", metadata: ["account": "\(id)"])
        }
    }

    /// Checks the customer's security answer (case and spacing ignored, compared in constant time).
    ///
    /// - Throws: ``AccountError/identityChecksLocked(_:)`` after too many wrong checks in the last hour.
    public func verifySecurityAnswer(
        _ id: AccountID,
        answer: String,
        by agent: String
    ) async throws -> IdentityVerification? {
        let failures = try await requireIdentityChecksOpen(id)
        guard let stored = try await store.securityAnswer(id) else { return nil }
        let given = Self.normaliseAnswer(answer)
        let passed = ConstantTime.equals(Array(stored.utf8), Array(given.utf8))
        try await recordIdentityCheck(id, passed: passed, failuresBefore: failures)
        guard passed else { return nil }
        return IdentityVerification(
            accountID: id,
            evidence: VerificationEvidence(method: .securityQuestions, verifiedBy: agent, verifiedAt: clock.now())
        )
    }

    /// Checks date of birth and the postal code of an address on file.
    public func verifyDateOfBirthAndAddress(
        _ id: AccountID,
        dateOfBirth: LocalDate,
        postalCode: String,
        by agent: String
    ) async throws -> IdentityVerification? {
        guard let account = try await store.account(id) else { throw AccountError.notFound(id) }
        let failures = try await requireIdentityChecksOpen(id)
        let code = Self.normalisePostalCode(postalCode)
        let passed =
            account.dateOfBirth == dateOfBirth
            && account.addresses.contains(where: { Self.normalisePostalCode($0.address.postalCode) == code })
        try await recordIdentityCheck(id, passed: passed, failuresBefore: failures)
        guard passed else { return nil }
        return IdentityVerification(
            accountID: id,
            evidence: VerificationEvidence(method: .dateOfBirthAndAddress, verifiedBy: agent, verifiedAt: clock.now())
        )
    }

    var codes: OneTimeCodes { OneTimeCodes(store: store, vault: vault, random: random, clock: clock) }

    static func codePurpose(_ id: AccountID) -> String { "account:\(id)" }

    /// Sends a one-time code to the registered email, for verifying the customer before a change.
    public func sendVerificationCode(_ id: AccountID) async throws {
        guard let account = try await store.account(id) else { throw AccountError.notFound(id) }
        do {
            try await codes.send(Self.codePurpose(id), keyOwner: id.description, to: account.email) { digits in
                OutboxMessage(
                    .accountVerificationCode(code: digits, expiresInMinutes: 15),
                    accountID: id,
                    recipient: account.email
                )
            }
        } catch OneTimeCodes.Failure.rateLimited {
            throw AccountError.invalid(field: "code", reason: "too many codes sent recently; try again later")
        }
        logger.info("account verification code sent", metadata: ["account": "\(id)"])
    }

    /// Checks the code the customer read out or typed; a right code proves control of the registered email.
    public func verifyOneTimeCode(_ id: AccountID, code: String, by agent: String) async throws -> IdentityVerification?
    {
        do {
            guard try await codes.check(Self.codePurpose(id), digits: code) else { return nil }
        } catch let failure as OneTimeCodes.Failure {
            throw AccountError.invalid(
                field: "code",
                reason: failure == .expired ? "the code has expired" : "no usable code; send a new one"
            )
        }
        return IdentityVerification(
            accountID: id,
            evidence: VerificationEvidence(method: .oneTimeCodeEmail, verifiedBy: agent, verifiedAt: clock.now())
        )
    }

    /// Checks `proof` against the account: the one staff-side identity check the API, the dashboard and
    /// the CLI share. Nil when the proof does not match.
    /// - Throws: ``AccountError/identityChecksLocked(_:)`` after too many wrong checks in the last hour,
    ///   ``AccountError/notFound(_:)``, and ``AccountError/invalid(field:reason:)`` for an unusable code.
    public func verifyIdentity(
        _ id: AccountID,
        proof: IdentityProof,
        by agent: String
    ) async throws
        -> IdentityVerification?
    {
        switch proof {
        case .code(let code): return try await verifyOneTimeCode(id, code: code, by: agent)
        case .securityAnswer(let answer): return try await verifySecurityAnswer(id, answer: answer, by: agent)
        case .dateOfBirthAndPostcode(let dateOfBirth, let postcode):
            return try await verifyDateOfBirthAndAddress(id, dateOfBirth: dateOfBirth, postalCode: postcode, by: agent)
        }
    }
}

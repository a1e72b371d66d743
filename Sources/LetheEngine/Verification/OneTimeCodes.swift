import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// Six-digit one-time codes sent to a registered address: stored only as a keyed hash, valid for a
/// limited time, locked after too many wrong tries, and rate-limited per person and per address.
/// Shared by request verification and account changes, so both follow the same rules.
public struct OneTimeCodes: Sendable {
    let store: any RequestRepository
    let vault: KeyVault
    let random: any RandomSource
    let clock: any WallClock
    /// How long a code can be used (seconds) before the requester must ask for a new one.
    public var lifetime: TimeInterval = 15 * 60
    /// Wrong tries before the code is locked for good.
    public var maxAttempts = 5
    /// Codes sent per person (the code's key owner) per hour, within one ``Scope``.
    public var maxPerOwnerPerHour = 3
    /// Codes sent to one address per hour, within one ``Scope``, whoever asks.
    public var maxPerAddressPerHour = 5

    /// Creates the code service; `vault` provides the token-hashing key, so the store never holds the digits.
    public init(store: any RequestRepository, vault: KeyVault, random: any RandomSource, clock: any WallClock) {
        self.store = store
        self.vault = vault
        self.random = random
        self.clock = clock
    }

    /// Why a code was not accepted or not sent.
    public enum Failure: Error, Equatable {
        /// No code is pending for the purpose; too many wrong tries locked it; its lifetime passed; or too
        /// many codes were sent to the person or address in the last hour.
        case noneSent, locked, expired, rateLimited
    }

    func hash(_ purpose: String, _ digits: String) async throws -> [UInt8] {
        try HMACSHA256(key: try await vault.tokenHashingKey()).authenticate(
            Array("lethe/code/v1|\(purpose)|\(digits)".utf8)
        )
    }

    /// Which limit a code counts against. Sign-in codes are limited apart from request and account
    /// codes, so asking for a few requests never silently stops the codes that let a customer sign in.
    public enum Scope: String, Sendable {
        /// Codes that verify privacy requests and account changes.
        case requests
        /// Codes that sign a customer in to the privacy center.
        case signIn = "sign-in"
    }

    func addressIndex(_ address: String, scope: Scope = .requests) async throws -> [UInt8] {
        // The request scope keeps the index it always had, so existing counts carry over.
        let domain = scope == .requests ? "lethe/code-address/v1|" : "lethe/code-address/\(scope.rawValue)/v1|"
        return try HMACSHA256(key: try await vault.tokenHashingKey()).authenticate(Array((domain + address).utf8))
    }

    /// A fresh code for `purpose` going to `address`: the digits (for the message only) and the record to store.
    func issue(
        _ purpose: String,
        to address: String,
        scope: Scope = .requests
    ) async throws -> (digits: String, record: VerificationCodeRecord) {
        let now = clock.now()
        let value = try random.uniform(below: 1_000_000)
        let digits = String(repeating: "0", count: 6 - String(value).count) + String(value)
        let record = VerificationCodeRecord(
            hash: try await hash(purpose, digits),
            createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime),
            addressIndex: try await addressIndex(address, scope: scope)
        )
        return (digits, record)
    }

    /// Issues and stores a code, with its message, if the rate limits allow.
    func send(
        _ purpose: String,
        keyOwner: String,
        scope: Scope = .requests,
        to address: String,
        message: (String) -> OutboxMessage
    ) async throws {
        let index = try await addressIndex(address, scope: scope)
        let rateSubject = scope == .requests ? keyOwner : "\(scope.rawValue):\(keyOwner)"
        let sends = try await store.codeSends(
            subject: rateSubject,
            addressIndex: index,
            since: clock.now().addingTimeInterval(-3600)
        )
        guard sends.subject < maxPerOwnerPerHour, sends.address < maxPerAddressPerHour else {
            throw Failure.rateLimited
        }
        let (digits, record) = try await issue(purpose, to: address, scope: scope)
        try await store.replaceCode(
            purpose,
            keyOwner: keyOwner,
            rateSubject: rateSubject,
            record,
            message: message(digits)
        )
    }

    /// Checks typed digits against the pending code: true when right (the code is then spent).
    func check(_ purpose: String, digits typed: String) async throws -> Bool {
        guard let record = try await store.verificationCode(purpose) else { throw Failure.noneSent }
        guard !record.locked else { throw Failure.locked }
        guard clock.now() < record.expiresAt else { throw Failure.expired }
        let matches = ConstantTime.equals(try await hash(purpose, typed.filter(\.isNumber)), record.hash)
        let updated = try await store.recordCodeAttempt(purpose, succeeded: matches, maxAttempts: maxAttempts)
        if !matches, updated?.locked == true { throw Failure.locked }
        return matches
    }
}

import Foundation
import LetheCore
import LetheCrypto

/// Staff users, sessions, API tokens and sign-in throttling: who may call the service.
public protocol AccessRepository: Sendable {
    /// Adds a staff user, audited as `staff.added` in the same transaction.
    ///
    /// - Throws: `StoreError.staffExists(_:)` when the name is taken.
    func addStaffUser(_ user: StaffUserRecord, by actor: String) async throws
    /// The staff user, disabled or not, or nil when there is none.
    func staffUser(_ username: String) async throws -> StaffUserRecord?
    /// Every staff user, by name.
    func staffUsers() async throws -> [StaffUserRecord]
    /// Replaces a staff user's password hash (and re-enables them) and ends their sessions, audited, in one
    /// transaction.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when there is no such user.
    func setStaffPassword(_ username: String, hash: String, at: Date, by actor: String) async throws
    /// Disables a staff user and ends their sessions, audited; false when there is no such user.
    func disableStaffUser(_ username: String, at: Date, by actor: String) async throws -> Bool
    /// Counts one failed sign-in against `key` (a username or a client address).
    func recordSignInFailure(key: String, at: Date) async throws
    /// How many failed sign-ins were counted against `key` since `since` (failures older than a day are dropped).
    func signInFailures(key: String, since: Date) async throws -> Int
    /// Forgets every failed sign-in counted against `key`, after a successful one.
    func clearSignInFailures(key: String) async throws
    /// Stores a session under the SHA-256 of its token.
    func createSession(hash: Data, _ session: SessionRecord) async throws
    /// The session whose token hashes to `hash`, unless it has expired by `at` or belongs to a disabled
    /// staff user.
    func session(hash: Data, at: Date) async throws -> SessionRecord?
    /// Ends the session whose token hashes to `hash` (sign-out); an unknown hash changes nothing.
    func deleteSession(hash: Data) async throws
    /// Removes sessions that expired at or before `instant`; returns how many.
    func deleteExpiredSessions(before instant: Date) async throws -> Int
    /// Stores a token under the SHA-256 of its secret, audited.
    func addAPIToken(_ token: APITokenRecord, hash: Data) async throws
    /// The token whose secret hashes to `hash`, revoked or not (the caller decides).
    func apiToken(hash: Data) async throws -> APITokenRecord?
    /// Every API token, revoked or not, oldest first; only hashes of their secrets are stored.
    func apiTokens() async throws -> [APITokenRecord]
    /// Revokes a token, audited; false when there is no such token or it was already revoked.
    func revokeAPIToken(_ id: String, at: Date, by actor: String) async throws -> Bool
}

import Foundation
import LetheCore
import LetheCrypto

/// Legal holds: orders to keep data that override erasure until released.
public protocol HoldRepository: Sendable {
    /// Places a hold, its reason sealed under the customer's key, with a `hold.placed` audit entry, in one
    /// transaction.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key (unknown or erased).
    func placeHold(_ hold: LegalHold) async throws
    /// Releases a hold at `at`, audited as `hold.released` in the same transaction; false when it does not
    /// exist or was already released.
    func releaseHold(_ id: String, at: Date, by: String) async throws -> Bool
    /// Holds on an account that are in force at `instant`.
    func activeHolds(_ account: AccountID, at instant: Date) async throws -> [LegalHold]
    /// Every hold in force (and released ones too when `includeReleased`), oldest first; the reason of a
    /// hold whose customer was erased reads `(erased)`.
    func holds(includeReleased: Bool) async throws -> [LegalHold]
}

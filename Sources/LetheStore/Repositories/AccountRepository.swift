import Foundation
import LetheCore
import LetheCrypto

/// Customer accounts and everything attached to them.
public protocol AccountRepository: Sendable {
    /// Creates the account, its data key, addresses, a record note, a welcome message and an
    /// `account.created` audit entry in one transaction; nothing is written when any step fails.
    ///
    /// The email (and phone, if any) is normalised and indexed through its blind index; the email must not
    /// belong to another account under any loaded master-key version.
    ///
    /// - Throws: `StoreError.accountIDTaken(_:)` when `id` exists (the caller picks another),
    ///   `StoreError.emailInUse` when another account has the email, and `StoreError.invalidValue(field:reason:)`
    ///   when the email or phone cannot be normalised.
    func createAccount(_ id: AccountID, _ account: NewAccount, note: RecordNote, welcome: OutboxMessage) async throws
    /// The account with its addresses and card summaries (brand, last four digits, expiry), decrypted, or
    /// nil when there is no such account. Read from one snapshot.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the row exists but its data key does not, or a `CryptoError`
    ///   when a stored value fails to open.
    func account(_ id: AccountID) async throws -> Account?
    /// Finds an account by email through the blind index, under every loaded master-key version, so an
    /// account indexed before a rotation is still found; nil when none matches.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the email cannot be normalised.
    func accountID(forEmail email: String) async throws -> AccountID?
    /// Finds an account by E.164 phone through the blind index, under every loaded master-key version;
    /// nil when none matches.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the number cannot be normalised (for example,
    ///   it has no country code).
    func accountID(forPhone phone: String) async throws -> AccountID?
    /// Applies every change, the record note, the customer's notification and an `account.changed` audit
    /// entry in one transaction: either all of it is stored or none.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key (unknown or erased),
    ///   `StoreError.accountNotFound(_:)` when the key exists but the account row does not,
    ///   `StoreError.emailInUse`, `StoreError.addressNotFound(_:_:)`,
    ///   `StoreError.paymentMethodNotFound(_:_:)`, or `StoreError.invalidValue(field:reason:)` for a phone
    ///   number that cannot be normalised.
    func updateAccount(
        _ id: AccountID,
        changes: [AccountChange],
        note: RecordNote,
        notification: OutboxMessage?
    ) async throws
    /// The stored (normalised) security answer, decrypted for verification by the engine; nil when the
    /// account has none or does not exist.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the answer exists but the account's key does not.
    func securityAnswer(_ id: AccountID) async throws -> String?
    /// Record notes matching `query` for supervisor review, newest first, at most `query.limit` (at least
    /// one), each reason decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when a matching note's account key is gone.
    func recordNotes(_ query: RecordNoteQuery) async throws -> [RecordNote]
    /// Holds a change for a supervisor instead of applying it: stores the proposed values and the reason
    /// sealed, with an `account.change-escalated` audit entry, in one transaction.
    ///
    /// - Returns: The escalation's id.
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key (unknown or erased).
    func escalate(
        _ id: AccountID,
        at: Date,
        requestedBy: String,
        kind: String,
        changes: [String: String],
        reason: String
    )
        async throws -> Int64
    /// Escalations in `status` (such as `open`), oldest first, with their reasons decrypted; the proposed
    /// values are not returned, only the names of the fields they change.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when an escalation's account key is gone.
    func escalations(status: String) async throws -> [Escalation]
    /// Records orders against the account, items and shipping address sealed, in one transaction.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func addOrders(_ id: AccountID, _ orders: [Order]) async throws
    /// Orders with an id after `afterID` (from the first when nil), in id order, at most `limit` (at least
    /// one): exports stream them a page at a time in bounded memory.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func ordersPage(_ id: AccountID, after afterID: Int64?, limit: Int) async throws -> [Order]
    /// The account's support interactions, oldest first, transcripts decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func supportInteractions(_ id: AccountID) async throws -> [(at: Date, channel: String, transcript: String)]
    /// The account's security events, oldest first, with client address and user agent decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func securityEvents(
        _ id: AccountID
    ) async throws -> [(at: Date, kind: String, ipAddress: String?, userAgent: String?)]
    /// Records one support interaction, its transcript sealed under the account's key.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func addSupportInteraction(_ id: AccountID, at: Date, channel: String, transcript: String) async throws
    /// Records one security event (a sign-in, a password change), address and user agent sealed.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func addSecurityEvent(_ id: AccountID, at: Date, kind: String, ipAddress: String?, userAgent: String?) async throws
    /// Appends one decision to the account's consent ledger, which is append-only: rows are never updated
    /// and go only with the account.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func appendConsent(_ id: AccountID, _ consent: ConsentRecord) async throws
    /// The account's consent ledger, oldest first, source details decrypted.
    ///
    /// - Throws: `StoreError.keyMissing(_:)` when the account has no data key.
    func consents(_ id: AccountID) async throws -> [ConsentRecord]
    /// Removes every row of the customer and destroys their data key, in one transaction, and evicts the
    /// key from the cache. The plain removal the conformance suite uses: nothing is kept, and no receipt,
    /// suppression token or audit entry is written (see ``ErasureRepository/eraseCustomer(_:request:plan:at:)``).
    ///
    /// - Returns: The number of rows removed, over every table; 0 for an unknown account.
    func eraseAccount(_ id: AccountID) async throws -> Int
    /// How many accounts exist.
    func accountCount() async throws -> Int
    /// The account's status alone (no decryption), or nil when there is no such account: read on every
    /// customer request, so that a deactivation ends the customer's sessions at once in every process.
    func accountStatus(_ id: AccountID) async throws -> AccountStatus?
}

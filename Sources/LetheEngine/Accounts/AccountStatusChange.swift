import Foundation
import LetheCore
import LetheStore

extension AccountRepository {
    /// Moves an account to `status` because of request `request`, with the record note every account
    /// change carries (the field name, the reason, the request as reference; no identity evidence, as the
    /// request was verified before) and, when given, the customer's notice, all in one transaction.
    /// - Throws: the store's errors, e.g. `StoreError.accountNotFound(_:)`.
    func changeStatus(
        _ account: AccountID,
        to status: AccountStatus,
        for request: RequestID,
        by author: String,
        reason: String,
        at instant: Date,
        notification: OutboxMessage? = nil
    ) async throws {
        try await updateAccount(
            account,
            changes: [.status(status)],
            note: RecordNote(
                accountID: account,
                at: instant,
                author: author,
                changedFields: ["status"],
                reason: reason,
                reference: request.rawValue,
                verification: nil
            ),
            notification: notification
        )
    }
}

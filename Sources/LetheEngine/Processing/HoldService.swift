import Foundation
import LetheCore
import LetheStore

/// Legal holds as officers use them: placing one stops erasure at once; releasing one lets any
/// erasure it blocked go ahead.
public struct HoldService: Sendable {
    let store: any AccountRepository & HoldRepository & JobRepository & RequestRepository
    let clock: any WallClock
    let random: any RandomSource

    /// Creates the service; `random` makes the hold ids (`HOLD-…`) officers quote.
    public init(
        store: any AccountRepository & HoldRepository & JobRepository & RequestRepository,
        clock: any WallClock,
        random: any RandomSource = SecureRandomSource()
    ) {
        self.store = store
        self.clock = clock
        self.random = random
    }

    /// Places a legal hold on some or all of a customer's data categories; their erasure waits until it is
    /// released. `owner` is who answers for the hold (legal counsel, a case reference).
    ///
    /// - Throws: ``AccountError/invalid(field:reason:)`` without a reason, ``AccountError/notFound(_:)``
    ///   for an unknown account; `StoreError` from the store.
    public func place(
        _ account: AccountID,
        categories: Set<DataCategory>,
        reason: String,
        owner: String
    ) async throws -> LegalHold {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw AccountError.invalid(field: "reason", reason: "a hold must say why") }
        guard try await store.account(account) != nil else { throw AccountError.notFound(account) }
        let hold = LegalHold(
            id: "HOLD-\(String(try random.uniform(below: 1_000_000_000), radix: 36).uppercased())",
            accountID: account,
            categories: categories,
            reason: why,
            owner: owner,
            placedAt: clock.now()
        )
        try await store.placeHold(hold)
        return hold
    }

    /// Releases a hold and reschedules erasures of the account that were waiting on holds.
    /// - Returns: false when no active hold has that id.
    /// - Throws: the store's errors (`StoreError`).
    public func release(_ id: String, by owner: String) async throws -> Bool {
        guard let hold = try await store.holds(includeReleased: false).first(where: { $0.id == id }) else {
            return false
        }
        guard try await store.releaseHold(id, at: clock.now(), by: owner) else { return false }
        let waiting = try await store.listRequests(
            RequestQuery(statuses: [.inProgress, .extended], accountID: hold.accountID, limit: 100)
        ).filter { $0.kind == .deletion }
        for request in waiting {
            try await store.enqueue(DeletionProcessor.eraseJob(request.id, runAt: clock.now(), attempt: ":after-\(id)"))
        }
        return true
    }
}

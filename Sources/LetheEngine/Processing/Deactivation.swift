import Foundation
import LetheCore
import LetheStore

/// Suspends an account at the customer's request: kept, sign-in refused, sessions revoked.
struct Deactivation: Sendable {
    let store: any AccountRepository
    let requests: RequestService
    let clock: any WallClock

    func run(_ id: RequestID) async throws {
        guard let stored = try await requests.inWork(id), let account = stored.request.accountID,
            let current = try await store.account(account)
        else { return }
        if current.status != .deactivated {
            try await store.changeStatus(
                account,
                to: .deactivated,
                for: id,
                by: "system:deactivation",
                reason: "Deactivated at the customer's request; sessions revoked",
                at: clock.now()
            )
            try await store.addSecurityEvent(
                account,
                at: clock.now(),
                kind: "sessions-revoked",
                ipAddress: nil,
                userAgent: nil
            )
        }
        try await requests.complete(
            id,
            by: .system("deactivation"),
            summary: "Your account is deactivated. You can reactivate it at any time."
        )
    }
}

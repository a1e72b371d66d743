import Foundation
import LetheCore
import LetheStore

extension DemoData {
    /// Fills the queue with `count` requests from the demo customers, received over the last 50 days, in
    /// every state an officer meets: waiting for a code, verified, in progress, done, denied, and some
    /// overdue or due soon, so the dashboard, the load chart and the reports have something to show.
    /// - Returns: the number of requests submitted (at most one per customer).
    /// - Throws: `RequestError` when intake or an officer action is refused, `AccountError` from the
    ///   identity check, `StoreError` from the store.
    public func loadRequests(
        _ requests: RequestService,
        customers: [AccountID],
        count: Int,
        progress: (Int) -> Void = { _ in }
    ) async throws -> Int {
        let now = clock.now()
        let kinds: [RequestKind] = [.export, .export, .deletion, .deletion, .deactivation, .consentChange]
        var made = 0
        for n in 0..<min(count, customers.count) {
            let account = customers[n]
            let kind = kinds[n % kinds.count]
            let age = Double(1 + (try number(50))) * 86_400 + Double(try number(80_000))
            let receipt = try await requests.submit(
                RequestSubmission(
                    kind: kind,
                    accountID: account,
                    channel: try pick([.web, .web, .email, .phone]),
                    receivedAt: now.addingTimeInterval(-age),
                    consentChanges: kind == .consentChange ? ["marketing-email": false] : [:],
                    submittedBy: .staff("demo")
                )
            )
            made += 1
            progress(made)
            let id = receipt.outcome.requestID
            guard receipt.status == .awaitingVerification else { continue }
            // Two in three are verified by the security answer, as an agent on the phone would.
            guard try number(3) > 0, let answer = try await store.securityAnswer(account),
                let verification = try await accounts.verifySecurityAnswer(account, answer: answer, by: "demo")
            else { continue }
            try await requests.verify(id, with: verification, by: "demo")
            switch try number(6) {
            case 0:
                try await requests.complete(
                    id,
                    by: .staff("demo"),
                    summary: "Answered by post at the customer's wish.",
                    notify: false
                )
            case 1:
                try await requests.deny(
                    id,
                    basis: .manifestlyUnfounded,
                    reason: "The same request was answered last week.",
                    by: .staff("demo")
                )
            case 2:
                try await requests.assign(id, to: "officer", by: "demo")
            default:
                break
            }
        }
        return made
    }
}

import Foundation
import LetheCore
import LetheStore

/// Upholds an appeal: the officer who approved it reversed the refusal, so the request appealed goes
/// ahead as a new request of the same kind, with the same content (the correction, the consent changes),
/// for the same customer under the same law, on a clock that starts now. The appeal then completes, and
/// its notice names the new request.
///
/// Exactly once: the new request is submitted under an idempotency key derived from the appeal, so a job
/// that stopped after submitting finds the same request when it runs again and completes the appeal.
struct AppealJob: Sendable {
    let requests: RequestService

    func run(_ id: RequestID) async throws {
        guard let appeal = try await requests.inWork(id), let appealed = appeal.appealOf else { return }
        let original = try await requests.load(appealed)
        let receipt = try await requests.submit(
            RequestSubmission(
                kind: original.request.kind,
                deadlineKind: original.request.deadlineKind,
                accountID: original.request.accountID,
                email: original.request.accountID == nil ? original.requesterEmail : nil,
                // The customer asks again through the appeal: an agent's authority is checked afresh.
                channel: appeal.channel,
                jurisdiction: original.request.jurisdictionID,
                idempotencyKey: "appeal-upheld:\(id.rawValue)",
                agentID: appeal.agentID,
                consentChanges: original.consentChanges,
                correction: original.correction,
                submittedBy: .system("appeal")
            )
        )
        let reopened = receipt.outcome.requestID
        _ = try await requests.complete(
            id,
            by: .system("appeal"),
            summary:
                "We reconsidered our decision on request \(appealed) and reversed it. Your \(original.request.kind.rawValue) request goes ahead as request \(reopened); we will ask you to confirm it is you where the law requires, and answer by \(receipt.schedule.binding.due)."
        )
    }
}

import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

// Status from the lifecycle (DRP 1.0 §3.02, §3.03), and pushes of its changes to agents' callbacks.
extension DRPService {
    // MARK: Status from the lifecycle (§3.02, §3.03)

    /// The protocol status of a request, read from Lethe's lifecycle.
    /// A request whose record has passed its retention period reads as `expired`.
    ///
    /// - Throws: the store's errors (`StoreError`).
    public func statusObject(_ record: DRPRequestRecord) async throws -> DRPStatusObject {
        guard let stored = try await store.request(record.requestID) else {
            return DRPStatusObject(
                requestID: record.id,
                agentRequestID: record.agentRequestID,
                status: .expired,
                reason: nil,
                receivedAt: DRPTime.format(record.receivedAt),
                expectedBy: nil,
                processingDetails: "The record of this request has passed its retention period."
            )
        }
        var status = DRPStatusObject(
            requestID: record.id,
            agentRequestID: record.agentRequestID,
            status: .inProgress,
            reason: nil,
            receivedAt: DRPTime.format(stored.request.receivedAt),
            expectedBy: stored.schedule.binding.due.description,
            processingDetails: nil
        )
        let request = stored.request
        switch request.status {
        case .received, .awaitingVerification:
            status.reason = .needUserVerification
            status.processingDetails =
                "We emailed the customer at the address on their account to confirm that they asked you to act for them."
        case .verified, .inProgress:
            status.processingDetails = Self.details(request.kind)
        case .extended:
            status.processingDetails =
                "We extended the time to respond, as the law allows; expected_by is the new date. "
                + Self.details(request.kind)
        case .completed:
            status.status = .fulfilled
            status.processingDetails = "Completed."
            if request.kind == .export {
                status.resultsURL = privacyCenterURL
                status.processingDetails =
                    "The customer can download their data from the privacy center after signing in with their email."
            }
        case .denied:
            status.status = .denied
            let basis = request.events.last(where: { $0.to == .denied })?.denialReason
            status.reason = record.deniedReason.flatMap(DRPReason.init(rawValue:)) ?? Self.reason(for: basis)
            status.processingDetails = Self.denialDetails(status.reason)
        case .cancelled:
            status.status = .revoked
            status.processingDetails = "The request was withdrawn."
        }
        if !status.status.isFinal, stored.pauses.contains(where: { $0.to == nil }) {
            status.processingDetails =
                "The response clock is stopped while we wait for information the law lets us ask for."
        }
        if status.status.isFinal { status.expectedBy = nil }
        return status
    }

    /// Pushes each status change to its agent's callback through the outbox (retried there with
    /// backoff, never in the agent's request), and settles requests whose final state is told.
    /// Two workers at once push a change once: the store compares and sets the last state pushed.
    /// - Returns: the number of callbacks queued.
    /// - Throws: the store's errors (`StoreError`).
    @discardableResult
    public func pushStatusChanges(pageSize: Int = 200) async throws -> Int {
        var pushed = 0
        var after: String?
        while true {
            let page = try await store.unsettledDRPRequests(after: after, limit: pageSize)
            for record in page {
                let status = try await statusObject(record)
                let json = String(decoding: status.json(), as: UTF8.self)
                guard json != record.pushedState else { continue }
                let message = record.statusCallback.map {
                    OutboxMessage(
                        .drpStatus(request: record.id, agent: record.agentID, body: json),
                        accountID: nil,
                        recipient: $0
                    )
                }
                if try await store.recordDRPPush(
                    record.id,
                    state: json,
                    settled: status.status.isFinal,
                    message: message,
                    at: now
                ), message != nil {
                    pushed += 1
                }
            }
            guard page.count == pageSize, let last = page.last else { return pushed }
            after = last.id
        }
    }
}

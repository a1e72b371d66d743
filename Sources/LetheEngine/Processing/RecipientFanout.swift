import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// Passes deletions and opt-outs on to the processors and third parties that received the data
/// (GDPR Art 19; CCPA §1798.105(c), §7026(f)), one signed webhook each, tracked per request.
public struct RecipientFanout: Sendable {
    let store: any AuditRepository & JobRepository & RecipientRepository
    let clock: any WallClock

    /// Creates the fan-out over the recipient registry and the job queue that carries the notices.
    public init(store: any AuditRepository & JobRepository & RecipientRepository, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// The active recipients that received any of `categories` (all active ones when it is empty).
    /// - Throws: the store's errors.
    func concerned(_ categories: Set<DataCategory>) async throws -> [Recipient] {
        try await store.recipients().filter { recipient in
            recipient.active && (categories.isEmpty || !recipient.categories.isDisjoint(with: categories))
        }
    }

    /// One notice job per recipient; the payload holds ids only (the job table is not encrypted), and
    /// the dedupe key makes a second queueing of the same notice a no-op.
    static func jobs(_ request: RequestID, _ recipients: [Recipient], at: Date) -> [NewJob] {
        recipients.map { recipient in
            NewJob(
                .notifyRecipient(request, recipientID: recipient.id),
                dedupeKey: "recipient:\(request.rawValue):\(recipient.id)",
                runAt: at,
                maxAttempts: 8
            )
        }
    }

    /// Records the recipients concerned (those that received any of `categories`; all of them when
    /// empty) and queues a notice to each. Returns how many were concerned.
    /// - Throws: the store's errors.
    @discardableResult
    public func notify(_ request: RequestID, action: String, categories: Set<DataCategory>) async throws -> Int {
        let concerned = try await concerned(categories)
        guard !concerned.isEmpty else { return 0 }
        try await store.addRequestRecipients(request, recipients: concerned.map(\.id), action: action, at: clock.now())
        for job in Self.jobs(request, concerned, at: clock.now()) { _ = try await store.enqueue(job) }
        return concerned.count
    }

    /// An officer's record that a recipient was informed by hand, or that informing it is impossible
    /// (which needs the detailed reason CCPA §7022(b)(3) asks for).
    /// - Returns: false when the recipient is not pending for the request.
    /// - Throws: ``RequestError/illegal(_:)`` for a status other than manual or impossible,
    ///   ``RequestError/reasonRequired(_:)`` without a note; `StoreError` from the store.
    public func settleByOfficer(
        _ request: RequestID,
        recipient: String,
        status: RecipientStatus,
        note: String
    ) async throws -> Bool {
        let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == .manual || status == .impossible else {
            throw RequestError.illegal(
                "an officer records 'manual' or 'impossible'; acknowledgements come from the recipient"
            )
        }
        guard !text.isEmpty else { throw RequestError.reasonRequired("settling a recipient") }
        return try await store.settleRecipient(
            request,
            recipient: recipient,
            status: status,
            note: text,
            at: clock.now()
        )
    }

    /// Sends one recipient a rectification notice (an account's fields changed); its 2xx answer is
    /// recorded in the audit trail, since account changes are not requests.
    func sendRectification(_ notice: RectificationNotice) async throws {
        guard let recipient = try await store.recipients().first(where: { $0.id == notice.recipientID }),
            let secret = try await store.recipientSecret(notice.recipientID),
            let url = URL(string: recipient.webhookURL)
        else { throw JobFailure(message: "rectification job has an unknown recipient") }
        struct Notice: Encodable {
            let action: String
            let customer_reference: String
            let fields: [String]
            let sent_at: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = try encoder.encode(
            Notice(
                action: "rectification",
                customer_reference: notice.accountID.description,
                fields: notice.fields,
                sent_at: ISO.format(clock.now())
            )
        )
        try await SignedPost.send(
            body,
            to: url,
            secret: SecretBytes(Array(secret.utf8)),
            messageID: "rectify:\(notice.accountID):\(notice.recipientID)",
            at: clock.now()
        )
        try await store.appendAudit(
            AuditEvent(
                at: clock.now(),
                actor: "system:recipients",
                action: "recipient.rectification-acknowledged",
                subjectType: "account",
                subjectID: notice.accountID.description,
                fields: [notice.recipientID] + notice.fields
            )
        )
    }

    /// Whether every recipient of the request has settled (acknowledged, done by hand, or impossible).
    /// - Throws: the store's errors (`StoreError`).
    public func allSettled(_ request: RequestID) async throws -> Bool {
        try await store.requestRecipients(request).allSatisfy(\.status.isSettled)
    }

    /// Sends one recipient its notice; a 2xx answer is its acknowledgement.
    func send(_ request: RequestID, recipientID: String, account: AccountID?) async throws {
        guard let recipient = try await store.recipients().first(where: { $0.id == recipientID }),
            let secret = try await store.recipientSecret(recipientID), let url = URL(string: recipient.webhookURL),
            let entry = try await store.requestRecipients(request).first(where: { $0.recipientID == recipientID })
        else { throw JobFailure(message: "recipient \(recipientID) of \(request) is not registered") }
        guard entry.status == .pending else { return }
        struct Notice: Encodable {
            let request_id: String
            let action: String
            /// The customer reference shared with recipients (the account id), never contact details.
            let customer_reference: String?
            let categories: [String]
            let sent_at: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = try encoder.encode(
            Notice(
                request_id: request.rawValue,
                action: entry.action,
                customer_reference: account?.description,
                categories: recipient.categories.map(\.rawValue).sorted(),
                sent_at: ISO.format(clock.now())
            )
        )
        let status = try await SignedPost.send(
            body,
            to: url,
            secret: SecretBytes(Array(secret.utf8)),
            messageID: "\(request.rawValue):\(recipientID)",
            at: clock.now()
        )
        _ = try await store.settleRecipient(
            request,
            recipient: recipientID,
            status: .acknowledged,
            note: "webhook answered \(status)",
            at: clock.now()
        )
    }
}

import Foundation
import LetheCore

/// One `outbox` row: read for delivery, or sealed from a message; recipient and parameters are
/// ciphertext under the key of the customer (or system owner) the message concerns.
struct OutboxRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let account: String?
    let subject: String?
    let kind: String
    /// The request the notice is about, in clear: not personal, and what the request page looks up.
    let request: String?
    let recipient: Data?
    let parameters: Data?
    let attempts: Int
    let created: Double
    /// The row's ``RowReference``, drawn when the message is queued.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        sealRef = row["seal_ref"]
        account = row["account_id"]
        subject = row["subject_id"]
        kind = row["kind"]
        request = row["request_id"]
        recipient = row["recipient"]
        parameters = row["parameters"]
        attempts = row["attempts"]
        created = row["created_at"]
    }

    init(sealing message: OutboxMessage, with customer: FieldCodec, at: Date) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
        account = message.accountID?.description
        subject = customer.cipher.customerID
        kind = message.kind.rawValue
        request = message.notice.request?.rawValue
        recipient = try codec.sealOptional(message.recipient, EncryptedField.outboxRecipient)
        parameters = try codec.sealJSON(message.parameters, EncryptedField.outboxParameters)
        attempts = 0
        created = at.storeValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO outbox (
                    account_id, subject_id, kind, request_id, recipient, parameters, created_at, status, next_attempt_at,
                    seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                """,
            arguments: [account, subject, kind, request, recipient, parameters, created, created, sealRef]
        )
    }
}

import Foundation
import LetheCore

/// Raw columns read inside a database closure and decrypted outside it.
struct AccountColumns: Sendable {
    let status: String
    let residence: String
    let fullName: Data
    let email: Data
    let phone: Data?
    let dateOfBirth: Data?
    let promoCode: String?
    let language: String
    let notificationSettings: Data
    let subscription: String?
    let createdAt: Double
    let updatedAt: Double
    let lastActivityAt: Double?
    let hasPassword: Bool
    let hasSecurityAnswer: Bool

    init(_ row: SQLRow) {
        status = row["status"]
        residence = row["residence"]
        fullName = row["full_name"]
        email = row["email"]
        phone = row["phone"]
        dateOfBirth = row["date_of_birth"]
        promoCode = row["promo_code"]
        language = row["language"]
        notificationSettings = row["notification_settings"]
        subscription = row["subscription"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        lastActivityAt = row["last_activity_at"]
        // Only whether they are held: the hash and the sealed answer never leave the store this way.
        hasPassword = (row.value("password_hash") ?? .null) != .null
        hasSecurityAnswer = (row.value("security_answer") ?? .null) != .null
    }
}

struct AddressColumns: Sendable {
    let id: Int64
    let label: String
    let line1: Data
    let line2: Data?
    let city: Data
    let postalCode: Data
    let country: String

    init(_ row: SQLRow) {
        id = row["id"]
        label = row["label"]
        line1 = row["line1"]
        line2 = row["line2"]
        city = row["city"]
        postalCode = row["postal_code"]
        country = row["country"]
    }

    func open(_ codec: FieldCodec) throws -> StoredAddress {
        StoredAddress(
            id: id,
            address: PostalAddress(
                label: label,
                line1: try codec.open(line1, EncryptedField.line1),
                line2: try codec.openOptional(line2, EncryptedField.line2),
                city: try codec.open(city, EncryptedField.city),
                postalCode: try codec.open(postalCode, EncryptedField.postalCode),
                country: country
            )
        )
    }
}

struct OrderColumns: Sendable {
    let id: Int64
    let placedAt: Double
    let total: Int64
    let currency: String
    let status: String
    let items: Data
    let shipping: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        placedAt = row["placed_at"]
        total = row["total_cents"]
        currency = row["currency"]
        status = row["status"]
        items = row["items"]
        shipping = row["shipping_address"]
    }

    func open(_ codec: FieldCodec) throws -> OrderRecord {
        OrderRecord(
            id: id,
            placedAt: Date(storeValue: placedAt),
            totalCents: total,
            currency: currency,
            status: status,
            items: try codec.open(items, EncryptedField.orderItems),
            shippingAddress: try codec.openOptional(shipping, EncryptedField.orderShippingAddress)
        )
    }
}

struct PaymentColumns: Sendable {
    let id: Int64
    let brand: String
    let last4: Data
    let expiry: Data

    init(_ row: SQLRow) {
        id = row["id"]
        brand = row["brand"]
        last4 = row["last4"]
        expiry = row["expiry"]
    }
}

struct NoteColumns: Sendable {
    let id: Int64
    let accountID: String
    let at: Double
    let author: String
    let changedFields: String
    let reason: Data
    let reference: String?
    let method: String?
    let verifiedBy: String?
    let verifiedAt: Double?

    init(_ row: SQLRow) {
        id = row["id"]
        accountID = row["account_id"]
        at = row["at"]
        author = row["author"]
        changedFields = row["changed_fields"]
        reason = row["reason"]
        reference = row["reference"]
        method = row["verification_method"]
        verifiedBy = row["verified_by"]
        verifiedAt = row["verified_at"]
    }

    func open(_ codec: FieldCodec) throws -> RecordNote {
        var evidence: VerificationEvidence?
        if let method = method.flatMap(VerificationMethod.init(rawValue:)), let verifiedBy, let verifiedAt {
            evidence = VerificationEvidence(
                method: method,
                verifiedBy: verifiedBy,
                verifiedAt: Date(storeValue: verifiedAt)
            )
        }
        return RecordNote(
            id: id,
            accountID: try AccountID(accountID),
            at: Date(storeValue: at),
            author: author,
            changedFields: changedFields.split(separator: ",").map(String.init),
            reason: try codec.open(reason, EncryptedField.noteReason),
            reference: reference,
            verification: evidence
        )
    }
}

/// A record note with its reason sealed.
struct SealedNote: Sendable {
    let account: String
    let at: Double
    let author: String
    let fields: String
    let reason: Data
    let reference: String?
    let method: String?
    let verifiedBy: String?
    let verifiedAt: Double?

    init(_ note: RecordNote, _ codec: FieldCodec) throws {
        account = note.accountID.description
        at = note.at.storeValue
        author = note.author
        fields = note.changedFields.joined(separator: ",")
        reason = try codec.seal(note.reason, EncryptedField.noteReason)
        reference = note.reference
        method = note.verification?.method.rawValue
        verifiedBy = note.verification?.verifiedBy
        verifiedAt = note.verification?.verifiedAt.storeValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO record_notes (account_id, at, author, changed_fields, reason, reference,
                    verification_method, verified_by, verified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, at, author, fields, reason, reference, method, verifiedBy, verifiedAt]
        )
    }
}

/// An outbox message with recipient and parameters sealed under the customer's key.
struct SealedOutbox: Sendable {
    let account: String?
    let subject: String?
    let kind: String
    let recipient: Data?
    let parameters: Data?
    let at: Double

    init(_ message: OutboxMessage, _ codec: FieldCodec, at: Date) throws {
        account = message.accountID?.description
        subject = codec.cipher.customerID
        kind = message.kind.rawValue
        recipient = try codec.sealOptional(message.recipient, EncryptedField.outboxRecipient)
        parameters = try codec.sealJSON(message.parameters, EncryptedField.outboxParameters)
        self.at = at.storeValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO outbox (account_id, subject_id, kind, recipient, parameters, created_at, status, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                """,
            arguments: [account, subject, kind, recipient, parameters, at, at]
        )
    }
}

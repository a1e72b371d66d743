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

/// One `addresses` row: read from the database, or sealed from a postal address; street, city and
/// postcode are ciphertext under the customer's key, label and country are not.
struct AddressRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
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

    init(sealing address: PostalAddress, with codec: FieldCodec) throws {
        label = address.label
        line1 = try codec.seal(address.line1, EncryptedField.line1)
        line2 = try codec.sealOptional(address.line2, EncryptedField.line2)
        city = try codec.seal(address.city, EncryptedField.city)
        postalCode = try codec.seal(address.postalCode, EncryptedField.postalCode)
        country = address.country
    }

    func insert(_ db: any SQLSession, account: String) throws {
        try db.execute(
            sql: """
                INSERT INTO addresses (account_id, label, line1, line2, city, postal_code, country)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, label, line1, line2, city, postalCode, country]
        )
    }

    func open(_ codec: FieldCodec) throws -> StoredAddress {
        StoredAddress(
            id: id ?? 0,
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

/// One `orders` row: read, or sealed from a new order; items and shipping address are ciphertext.
struct OrderRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
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

    init(sealing order: Order, with codec: FieldCodec) throws {
        placedAt = order.placedAt.storeValue
        total = order.totalCents
        currency = order.currency
        status = order.status
        items = try codec.seal(order.items, EncryptedField.orderItems)
        shipping = try codec.sealOptional(order.shippingAddress, EncryptedField.orderShippingAddress)
    }

    func insert(_ db: any SQLSession, account: String) throws {
        try db.execute(
            sql: """
                INSERT INTO orders (account_id, placed_at, total_cents, currency, status, items, shipping_address)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, placedAt, total, currency, status, items, shipping]
        )
    }

    func open(_ codec: FieldCodec) throws -> Order {
        Order(
            id: id ?? 0,
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

/// One `record_notes` row: read, or sealed from a note; the reason is ciphertext, the verification
/// evidence and field names are not (they are what a supervisor reviews without decrypting).
struct RecordNoteRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let account: String
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
        account = row["account_id"]
        at = row["at"]
        author = row["author"]
        changedFields = row["changed_fields"]
        reason = row["reason"]
        reference = row["reference"]
        method = row["verification_method"]
        verifiedBy = row["verified_by"]
        verifiedAt = row["verified_at"]
    }

    init(sealing note: RecordNote, with codec: FieldCodec) throws {
        account = note.accountID.description
        at = note.at.storeValue
        author = note.author
        changedFields = note.changedFields.joined(separator: ",")
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
            arguments: [account, at, author, changedFields, reason, reference, method, verifiedBy, verifiedAt]
        )
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
            id: id ?? 0,
            accountID: try AccountID(account),
            at: Date(storeValue: at),
            author: author,
            changedFields: changedFields.split(separator: ",").map(String.init),
            reason: try codec.open(reason, EncryptedField.noteReason),
            reference: reference,
            verification: evidence
        )
    }
}

/// One `outbox` row: read for delivery, or sealed from a message; recipient and parameters are
/// ciphertext under the key of the customer (or system owner) the message concerns.
struct OutboxRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let account: String?
    let subject: String?
    let kind: String
    let recipient: Data?
    let parameters: Data?
    let attempts: Int
    let created: Double

    init(_ row: SQLRow) {
        id = row["id"]
        account = row["account_id"]
        subject = row["subject_id"]
        kind = row["kind"]
        recipient = row["recipient"]
        parameters = row["parameters"]
        attempts = row["attempts"]
        created = row["created_at"]
    }

    init(sealing message: OutboxMessage, with codec: FieldCodec, at: Date) throws {
        account = message.accountID?.description
        subject = codec.cipher.customerID
        kind = message.kind.rawValue
        recipient = try codec.sealOptional(message.recipient, EncryptedField.outboxRecipient)
        parameters = try codec.sealJSON(message.parameters, EncryptedField.outboxParameters)
        attempts = 0
        created = at.storeValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO outbox (account_id, subject_id, kind, recipient, parameters, created_at, status, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                """,
            arguments: [account, subject, kind, recipient, parameters, created, created]
        )
    }
}

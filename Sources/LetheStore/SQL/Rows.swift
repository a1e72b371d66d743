import Foundation
import LetheCore

/// One `accounts` row: sealed from a new account (every personal column ciphertext, email and phone with
/// their blind-index tokens), or read back, in which case the password hash and the security answer are
/// not read at all, only whether the account holds them.
struct AccountRow: Sendable {
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
    /// The row's current ``RowReference``, drawn anew by every write of its sealed columns.
    let sealRef: Data?
    /// Written only: the blind-index tokens and the sealed credentials (nil when read).
    var emailIndex: Data?
    var phoneIndex: Data?
    var passwordHash: Data?
    var securityAnswer: Data?

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
        sealRef = row["seal_ref"]
    }

    /// `email` and `phone` are the normalised values; their tokens come from the primary master version.
    init(
        sealing new: NewAccount,
        email normalisedEmail: String,
        emailIndex: Data,
        phone normalisedPhone: String?,
        phoneIndex: Data?,
        with customer: FieldCodec
    ) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
        status = AccountStatus.active.rawValue
        residence = new.residence
        fullName = try codec.seal(new.fullName, EncryptedField.fullName)
        email = try codec.seal(normalisedEmail, EncryptedField.email)
        phone = try codec.sealOptional(normalisedPhone, EncryptedField.phone)
        dateOfBirth = try codec.sealOptional(new.dateOfBirth?.description, EncryptedField.dateOfBirth)
        promoCode = new.promoCode
        language = new.preferences.language
        notificationSettings = try codec.sealJSON(new.preferences.notifications, EncryptedField.notificationSettings)
        subscription = new.preferences.subscription
        createdAt = new.createdAt.storeValue
        updatedAt = new.createdAt.storeValue
        lastActivityAt = nil
        hasPassword = new.passwordHash != nil
        hasSecurityAnswer = new.securityAnswer != nil
        self.emailIndex = emailIndex
        self.phoneIndex = phoneIndex
        passwordHash = try codec.sealOptional(new.passwordHash, EncryptedField.passwordHash)
        securityAnswer = try codec.sealOptional(new.securityAnswer, EncryptedField.securityAnswer)
    }

    func insert(_ db: any SQLSession, id: String) throws {
        try db.execute(
            sql: """
                INSERT INTO accounts (id, status, residence, full_name, email, email_index, phone, phone_index,
                    date_of_birth, password_hash, security_answer, promo_code, language, notification_settings,
                    subscription, created_at, updated_at, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, status, residence, fullName, email, emailIndex, phone, phoneIndex, dateOfBirth, passwordHash,
                securityAnswer, promoCode, language, notificationSettings, subscription, createdAt, updatedAt, sealRef,
            ]
        )
    }

    /// The account, opened under its key, with its addresses and cards.
    /// - Throws: `CryptoError` when a column fails to open.
    func open(
        _ id: AccountID,
        addresses: [AddressRow],
        payments: [PaymentRow],
        with customer: FieldCodec
    ) throws -> Account {
        let codec = customer.row(try RowReference.stored(sealRef))
        return Account(
            id: id,
            status: AccountStatus(rawValue: status) ?? .active,
            fullName: try codec.open(fullName, EncryptedField.fullName),
            email: try codec.open(email, EncryptedField.email),
            phone: try codec.openOptional(phone, EncryptedField.phone),
            dateOfBirth: try codec.openOptional(dateOfBirth, EncryptedField.dateOfBirth).flatMap(LocalDate.init),
            residence: residence,
            addresses: try addresses.map { try $0.open(customer) },
            paymentMethods: try payments.map { try $0.open(customer) },
            preferences: Preferences(
                language: language,
                notifications: try codec.openJSON(
                    [String: Bool].self,
                    notificationSettings,
                    EncryptedField.notificationSettings
                ),
                subscription: subscription
            ),
            promoCode: promoCode,
            createdAt: Date(storeValue: createdAt),
            updatedAt: Date(storeValue: updatedAt),
            lastActivityAt: lastActivityAt.map(Date.init(storeValue:)),
            holdsPassword: hasPassword,
            holdsSecurityAnswer: hasSecurityAnswer
        )
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
    /// The row's ``RowReference``, drawn anew whenever the address is written (added or replaced).
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        label = row["label"]
        line1 = row["line1"]
        line2 = row["line2"]
        city = row["city"]
        postalCode = row["postal_code"]
        country = row["country"]
        sealRef = row["seal_ref"]
    }

    init(sealing address: PostalAddress, with customer: FieldCodec) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
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
                INSERT INTO addresses (account_id, label, line1, line2, city, postal_code, country, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, label, line1, line2, city, postalCode, country, sealRef]
        )
    }

    func open(_ customer: FieldCodec) throws -> StoredAddress {
        let codec = customer.row(try RowReference.stored(sealRef))
        return StoredAddress(
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
    /// The row's ``RowReference``, drawn when the order is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        placedAt = row["placed_at"]
        total = row["total_cents"]
        currency = row["currency"]
        status = row["status"]
        items = row["items"]
        shipping = row["shipping_address"]
        sealRef = row["seal_ref"]
    }

    init(sealing order: Order, with customer: FieldCodec) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
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
                INSERT INTO orders (
                    account_id, placed_at, total_cents, currency, status, items, shipping_address, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, placedAt, total, currency, status, items, shipping, sealRef]
        )
    }

    func open(_ customer: FieldCodec) throws -> Order {
        let codec = customer.row(try RowReference.stored(sealRef))
        return Order(
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

/// One `payment_methods` row: sealed from a new card (every field ciphertext except the brand), or read
/// back for display, in which case only the brand, last four digits and expiry are read: the full number
/// and the holder's name never leave the table that way.
struct PaymentRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let brand: String
    let last4: Data
    let expiry: Data
    /// The sealed full number; nil when read for display.
    let number: Data?
    /// The sealed cardholder name; nil when read for display.
    let holder: Data?
    /// The row's ``RowReference``, drawn when the card is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        brand = row["brand"]
        last4 = row["last4"]
        expiry = row["expiry"]
        number = nil
        holder = nil
        sealRef = row["seal_ref"]
    }

    init(sealing method: NewPaymentMethod, with customer: FieldCodec) throws {
        let reference = try RowReference.random()
        let codec = customer.row(reference)
        sealRef = reference.data
        brand = method.card.brand.rawValue
        last4 = try codec.seal(method.card.last4, EncryptedField.last4)
        expiry = try codec.seal(method.expiry.description, EncryptedField.expiry)
        // The digits are exposed only inside this closure, straight into the cipher.
        number = try method.card.withDigits {
            try codec.seal(String(decoding: $0, as: UTF8.self), EncryptedField.cardNumber)
        }
        holder = try codec.seal(method.cardholderName, EncryptedField.cardholderName)
    }

    func insert(_ db: any SQLSession, account: String, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO payment_methods (
                    account_id, brand, last4, card_number, cardholder_name, expiry, created_at, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [account, brand, last4, number, holder, expiry, at.storeValue, sealRef]
        )
    }

    func open(_ customer: FieldCodec) throws -> PaymentMethodSummary {
        let codec = customer.row(try RowReference.stored(sealRef))
        return PaymentMethodSummary(
            id: id ?? 0,
            brand: brand,
            last4: try codec.open(last4, EncryptedField.last4),
            expiry: try codec.open(expiry, EncryptedField.expiry)
        )
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
    /// The row's ``RowReference``, drawn when the note is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        sealRef = row["seal_ref"]
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

    init(sealing note: RecordNote, with customer: FieldCodec) throws {
        let row = try RowReference.random()
        let codec = customer.row(row)
        sealRef = row.data
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
                    verification_method, verified_by, verified_at, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                account, at, author, changedFields, reason, reference, method, verifiedBy, verifiedAt, sealRef,
            ]
        )
    }

    func open(_ customer: FieldCodec) throws -> RecordNote {
        let codec = customer.row(try RowReference.stored(sealRef))
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

/// One `request_events` row: read, or written from a lifecycle event with its free-text reason sealed.
struct RequestEventRow: Sendable {
    let request: String
    let at: Double
    let from: String
    let to: String
    let actor: String
    let reason: Data?
    let denial: String?
    /// The row's ``RowReference``, drawn when the event is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        sealRef = row["seal_ref"]
        request = row["request_id"]
        at = row["at"]
        from = row["from_status"]
        to = row["to_status"]
        actor = row["actor"]
        reason = row["reason"]
        denial = row["denial_reason"]
    }

    /// Without a codec (the subject was erased), the free-text reason is not kept, but that there was
    /// one is: a marker takes its place, so the record replays (a cancellation or an extension needs a
    /// reason) and reads as "(erased)" for the record's whole retention.
    init(sealing event: LifecycleEvent, with customer: FieldCodec?) throws {
        let reference = try RowReference.random()
        let codec = customer?.row(reference)
        sealRef = reference.data
        request = event.requestID.rawValue
        at = event.at.storeValue
        from = event.from.rawValue
        to = event.to.rawValue
        actor = event.actor.description
        if let codec {
            reason = try codec.sealOptional(event.reason, EncryptedField.requestEventReason)
        } else {
            reason = event.reason == nil ? nil : SQLStore.erasedReasonMarker
        }
        denial = event.denialReason?.rawValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO request_events (
                    request_id, at, from_status, to_status, actor, reason, denial_reason, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [request, at, from, to, actor, reason, denial, sealRef]
        )
    }

    /// The event, its reason opened under the subject's key; "(erased)" once that key is gone.
    /// - Throws: `StoreError.invalidValue(field:reason:)` for a row that is not readable; `CryptoError`
    ///   when a reason fails to open.
    func open(_ codec: FieldCodec?) throws -> LifecycleEvent {
        let id = RequestID(request)
        guard let fromStatus = RequestStatus(rawValue: from), let toStatus = RequestStatus(rawValue: to),
            let who = Actor(stored: actor)
        else { throw StoreError.invalidValue(field: "request \(id)", reason: "stored event is not readable") }
        let text: String?
        if let reason {
            // The marker is checked first: another process may still hold the erased key in its cache,
            // and the marker is no ciphertext for it to open.
            if let codec, reason != SQLStore.erasedReasonMarker {
                text = try codec.row(try RowReference.stored(sealRef)).open(reason, EncryptedField.requestEventReason)
            } else {
                text = "(erased)"
            }
        } else {
            // Rows written before the marker existed hold NULL where a reason was given after erasure;
            // the transitions that need a reason are read as having one, so the record still replays.
            text = codec == nil && [.cancelled, .extended, .denied].contains(toStatus) ? "(erased)" : nil
        }
        return LifecycleEvent(
            requestID: id,
            from: fromStatus,
            to: toStatus,
            actor: who,
            at: Date(storeValue: at),
            reason: text,
            denialReason: denial.flatMap(DenialReason.init(rawValue:))
        )
    }
}

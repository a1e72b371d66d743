import Foundation
import LetheCrypto

/// Every encrypted column, by the record and field names of `Policies/classification.yaml`.
/// A test checks this list against the classification, so the two cannot drift.
public enum EncryptedField {
    /// `account.full-name`: the customer's name (`accounts.full_name`).
    public static let fullName = FieldLocation(record: "account", field: "full-name")
    /// `account.date-of-birth`: the date of birth as an ISO date (`accounts.date_of_birth`).
    public static let dateOfBirth = FieldLocation(record: "account", field: "date-of-birth")
    /// `account.password-hash`: the customer's scrypt hash, encrypted again (`accounts.password_hash`).
    public static let passwordHash = FieldLocation(record: "account", field: "password-hash")
    /// `account.security-answer`: the normalised security answer (`accounts.security_answer`).
    public static let securityAnswer = FieldLocation(record: "account", field: "security-answer")
    /// `contact.email`: the normalised email (`accounts.email`); also the location its blind-index
    /// tokens are derived for (`accounts.email_index`, `suppressions.token`).
    public static let email = FieldLocation(record: "contact", field: "email")
    /// `contact.phone`: the E.164 phone number (`accounts.phone`); also the location of its blind-index
    /// tokens (`accounts.phone_index`).
    public static let phone = FieldLocation(record: "contact", field: "phone")
    /// `address.line1`: a postal address's first line (`addresses.line1`).
    public static let line1 = FieldLocation(record: "address", field: "line1")
    /// `address.line2`: a postal address's optional second line (`addresses.line2`).
    public static let line2 = FieldLocation(record: "address", field: "line2")
    /// `address.city`: a postal address's city (`addresses.city`).
    public static let city = FieldLocation(record: "address", field: "city")
    /// `address.postal-code`: a postal address's postal code (`addresses.postal_code`).
    public static let postalCode = FieldLocation(record: "address", field: "postal-code")
    /// `payment-method.card-number`: the full card number (`payment_methods.card_number`).
    public static let cardNumber = FieldLocation(record: "payment-method", field: "card-number")
    /// `payment-method.cardholder-name`: the name on the card (`payment_methods.cardholder_name`).
    public static let cardholderName = FieldLocation(record: "payment-method", field: "cardholder-name")
    /// `payment-method.expiry`: the card's expiry (`payment_methods.expiry`).
    public static let expiry = FieldLocation(record: "payment-method", field: "expiry")
    /// `payment-method.last4`: the card number's last four digits (`payment_methods.last4`).
    public static let last4 = FieldLocation(record: "payment-method", field: "last4")
    /// `preferences.notification-settings`: the notification switches as JSON (`accounts.notification_settings`).
    public static let notificationSettings = FieldLocation(record: "preferences", field: "notification-settings")
    /// `consent.source-detail`: free text about where a consent decision came from (`consents.source_detail`).
    public static let consentSourceDetail = FieldLocation(record: "consent", field: "source-detail")
    /// `order.items`: what an order contained (`orders.items`).
    public static let orderItems = FieldLocation(record: "order", field: "items")
    /// `order.shipping-address`: where an order was sent (`orders.shipping_address`).
    public static let orderShippingAddress = FieldLocation(record: "order", field: "shipping-address")
    /// `support-interaction.transcript`: a support conversation (`support_interactions.transcript`).
    public static let transcript = FieldLocation(record: "support-interaction", field: "transcript")
    /// `security-event.ip-address`: the client address of a security event (`security_events.ip_address`).
    public static let ipAddress = FieldLocation(record: "security-event", field: "ip-address")
    /// `security-event.user-agent`: the client software of a security event (`security_events.user_agent`).
    public static let userAgent = FieldLocation(record: "security-event", field: "user-agent")
    /// `record-note.reason`: an agent's own words about a change (`record_notes.reason`).
    public static let noteReason = FieldLocation(record: "record-note", field: "reason")
    /// `escalation.proposed-changes`: the held values of an escalated change, as JSON
    /// (`escalations.proposed_changes`).
    public static let escalationChanges = FieldLocation(record: "escalation", field: "proposed-changes")
    /// `escalation.reason`: why a change was escalated (`escalations.reason`).
    public static let escalationReason = FieldLocation(record: "escalation", field: "reason")
    /// `notification.recipient`: the address a queued message goes to (`outbox.recipient`).
    public static let outboxRecipient = FieldLocation(record: "notification", field: "recipient")
    /// `notification.body`: a queued message's parameters as JSON (`outbox.parameters`).
    public static let outboxParameters = FieldLocation(record: "notification", field: "body")
    /// `privacy-request.requester-email`: the requester's email, under the request subject's key
    /// (`privacy_requests.requester_email`).
    public static let requesterEmail = FieldLocation(record: "privacy-request", field: "requester-email")
    /// `privacy-request.event-reason`: the free-text reason of a lifecycle event (`request_events.reason`).
    public static let requestEventReason = FieldLocation(record: "privacy-request", field: "event-reason")
    /// `privacy-request.extension-reason`: the reason given for extending a deadline
    /// (`privacy_requests.extension_reason`).
    public static let extensionReason = FieldLocation(record: "privacy-request", field: "extension-reason")
    /// `legal-hold.reason`: a legal hold's reason, which may name people (`legal_holds.reason`).
    public static let holdReason = FieldLocation(record: "legal-hold", field: "reason")
    /// `privacy-request.agent-permission`: an authorized agent's proof of permission
    /// (`privacy_requests.agent_permission`).
    public static let agentPermission = FieldLocation(record: "privacy-request", field: "agent-permission")
    /// `privacy-request.correction`: what a correction request asks (the field, the accurate value and the
    /// customer's statement, as JSON) (`privacy_requests.correction`).
    public static let correction = FieldLocation(record: "privacy-request", field: "correction")
    /// `privacy-request.grounds`: an appeal's grounds, in the customer's words (`privacy_requests.grounds`).
    public static let grounds = FieldLocation(record: "privacy-request", field: "grounds")
    /// `audit.reason`: the reason of an audit entry about an account, stored as `sealed:` and base64
    /// (`audit_log.reason`), so erasing the customer shreds it while the entry's MAC still verifies.
    public static let auditReason = FieldLocation(record: "audit", field: "reason")

    /// Every location above; the classification test compares this list with `Policies/classification.yaml`.
    public static let all: [FieldLocation] = [
        fullName, dateOfBirth, passwordHash, securityAnswer, email, phone, line1, line2, city, postalCode, cardNumber,
        cardholderName, expiry, last4, notificationSettings, consentSourceDetail, orderItems, orderShippingAddress,
        transcript, ipAddress, userAgent, noteReason, escalationChanges, escalationReason, outboxRecipient,
        outboxParameters, requesterEmail, requestEventReason, extensionReason, holdReason, agentPermission,
        correction, grounds, auditReason,
    ]
}

/// What a row-bound ciphertext is bound to: the row it is stored in, and the revision of that row.
///
/// Rows with an id chosen before they are written (a request, a legal hold, a recipient) are bound to
/// that id; every other row holding ciphertext has a `seal_ref` column, 16 random bytes drawn when the
/// row's sealed values are written and drawn again whenever they are rewritten (an account's update,
/// an address replaced). So a value moved to another row of the same customer, or an earlier value
/// restored into its row while the rest of the row moved on, fails to open (docs/encryption.md).
struct RowReference: Sendable, Equatable {
    let bytes: [UInt8]

    /// A fresh reference for a row being written or rewritten.
    static func random() throws -> RowReference { RowReference(bytes: try SecureRandom.bytes(16)) }

    /// The reference of a row named by an id fixed before it is written.
    init(id: String) { bytes = Array(id.utf8) }

    /// The reference read from a row's `seal_ref` column; a row holding ciphertext without one has been
    /// tampered with (every such row gets one when written, and older rows are re-sealed at start).
    /// - Throws: `CryptoError.malformedCiphertext`, an integrity failure.
    static func stored(_ data: Data?) throws -> RowReference {
        guard let data, !data.isEmpty else { throw CryptoError.malformedCiphertext("the row has no seal reference") }
        return RowReference(bytes: Array(data))
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// What goes into the `seal_ref` column.
    var data: Data { Data(bytes) }
}

/// Seals and opens one customer's columns. Lives for one operation on one task (the cipher inside
/// is not `Sendable`); the values it returns are plain `Data`, safe to hand to the database.
struct FieldCodec {
    let cipher: FieldCipher

    init(customerID: String, keyID: DataKeyID, key: SecretBytes) throws {
        cipher = try FieldCipher(dataKey: key, keyID: keyID, customerID: customerID)
    }

    /// The codec for the columns of one row.
    func row(_ reference: RowReference) -> RowCodec { RowCodec(cipher: cipher, row: reference.bytes) }

    /// Seals in the unbound format, for the one place whose container binds the value already: an audit
    /// entry's reason, covered by the entry's MAC (re-sealing it would rewrite the chain).
    func sealUnbound(_ text: String, _ location: FieldLocation) throws -> Data {
        Data(try cipher.seal(text, at: location))
    }

    /// Opens a value in the unbound format (an audit reason, or a column written before values were
    /// bound to their rows, while it is re-sealed).
    func openUnbound(_ data: Data, _ location: FieldLocation) throws -> String {
        try cipher.openString(Array(data), at: location)
    }
}

/// Seals and opens the columns of one row of one customer, bound to the row's ``RowReference``.
struct RowCodec {
    let cipher: FieldCipher
    let row: [UInt8]

    func seal(_ text: String, _ location: FieldLocation) throws -> Data {
        Data(try cipher.seal(Array(text.utf8), at: location, row: row))
    }

    func sealOptional(_ text: String?, _ location: FieldLocation) throws -> Data? {
        try text.map { try seal($0, location) }
    }

    func open(_ data: Data, _ location: FieldLocation) throws -> String {
        try cipher.openString(Array(data), at: location, row: row)
    }

    func openOptional(_ data: Data?, _ location: FieldLocation) throws -> String? {
        try data.map { try open($0, location) }
    }

    func sealJSON<T: Encodable>(_ value: T, _ location: FieldLocation) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Data(try cipher.seal(Array(try encoder.encode(value)), at: location, row: row))
    }

    func openJSON<T: Decodable>(_ type: T.Type, _ data: Data, _ location: FieldLocation) throws -> T {
        try JSONDecoder().decode(type, from: Data(try cipher.open(Array(data), at: location, row: row)))
    }
}

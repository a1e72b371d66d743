import Foundation
import LetheCrypto

/// Every encrypted column, by the record and field names of `Policies/classification.yaml`.
/// A test checks this list against the classification, so the two cannot drift.
public enum EncryptedField {
    public static let fullName = FieldLocation(record: "account", field: "full-name")
    public static let dateOfBirth = FieldLocation(record: "account", field: "date-of-birth")
    public static let passwordHash = FieldLocation(record: "account", field: "password-hash")
    public static let securityAnswer = FieldLocation(record: "account", field: "security-answer")
    public static let email = FieldLocation(record: "contact", field: "email")
    public static let phone = FieldLocation(record: "contact", field: "phone")
    public static let line1 = FieldLocation(record: "address", field: "line1")
    public static let line2 = FieldLocation(record: "address", field: "line2")
    public static let city = FieldLocation(record: "address", field: "city")
    public static let postalCode = FieldLocation(record: "address", field: "postal-code")
    public static let cardNumber = FieldLocation(record: "payment-method", field: "card-number")
    public static let cardholderName = FieldLocation(record: "payment-method", field: "cardholder-name")
    public static let expiry = FieldLocation(record: "payment-method", field: "expiry")
    public static let last4 = FieldLocation(record: "payment-method", field: "last4")
    public static let notificationSettings = FieldLocation(record: "preferences", field: "notification-settings")
    public static let consentSourceDetail = FieldLocation(record: "consent", field: "source-detail")
    public static let orderItems = FieldLocation(record: "order", field: "items")
    public static let orderShippingAddress = FieldLocation(record: "order", field: "shipping-address")
    public static let transcript = FieldLocation(record: "support-interaction", field: "transcript")
    public static let ipAddress = FieldLocation(record: "security-event", field: "ip-address")
    public static let userAgent = FieldLocation(record: "security-event", field: "user-agent")
    public static let noteReason = FieldLocation(record: "record-note", field: "reason")
    public static let escalationChanges = FieldLocation(record: "escalation", field: "proposed-changes")
    public static let escalationReason = FieldLocation(record: "escalation", field: "reason")
    public static let outboxRecipient = FieldLocation(record: "notification", field: "recipient")
    public static let outboxParameters = FieldLocation(record: "notification", field: "body")
    public static let requesterEmail = FieldLocation(record: "privacy-request", field: "requester-email")
    public static let requestEventReason = FieldLocation(record: "privacy-request", field: "event-reason")
    public static let extensionReason = FieldLocation(record: "privacy-request", field: "extension-reason")
    public static let holdReason = FieldLocation(record: "legal-hold", field: "reason")
    public static let agentPermission = FieldLocation(record: "privacy-request", field: "agent-permission")
    public static let auditReason = FieldLocation(record: "audit", field: "reason")

    public static let all: [FieldLocation] = [
        fullName, dateOfBirth, passwordHash, securityAnswer, email, phone, line1, line2, city, postalCode, cardNumber,
        cardholderName, expiry, last4, notificationSettings, consentSourceDetail, orderItems, orderShippingAddress,
        transcript, ipAddress, userAgent, noteReason, escalationChanges, escalationReason, outboxRecipient,
        outboxParameters, requesterEmail, requestEventReason, extensionReason, holdReason, agentPermission,
        auditReason,
    ]
}

/// Seals and opens one customer's columns. Lives for one operation on one task (the cipher inside
/// is not `Sendable`); the values it returns are plain `Data`, safe to hand to the database.
struct FieldCodec {
    let cipher: FieldCipher

    init(customerID: String, keyID: DataKeyID, key: SecretBytes) throws {
        cipher = try FieldCipher(dataKey: key, keyID: keyID, customerID: customerID)
    }

    func seal(_ text: String, _ location: FieldLocation) throws -> Data {
        Data(try cipher.seal(text, at: location))
    }

    func sealOptional(_ text: String?, _ location: FieldLocation) throws -> Data? {
        try text.map { try seal($0, location) }
    }

    func open(_ data: Data, _ location: FieldLocation) throws -> String {
        try cipher.openString(Array(data), at: location)
    }

    func openOptional(_ data: Data?, _ location: FieldLocation) throws -> String? {
        try data.map { try open($0, location) }
    }

    func sealJSON<T: Encodable>(_ value: T, _ location: FieldLocation) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Data(try cipher.seal(Array(try encoder.encode(value)), at: location))
    }

    func openJSON<T: Decodable>(_ type: T.Type, _ data: Data, _ location: FieldLocation) throws -> T {
        try JSONDecoder().decode(type, from: Data(try cipher.open(Array(data), at: location)))
    }
}

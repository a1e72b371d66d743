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

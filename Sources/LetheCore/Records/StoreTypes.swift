import Foundation

/// What is needed to open an account. Values are plaintext here; the store encrypts them.
public struct NewAccount: Sendable {
    /// The customer's full name.
    public var fullName: String
    /// The email address; must not be in use by another account.
    public var email: String
    /// The phone number in E.164 form, if given.
    public var phone: String?
    /// The date of birth, if given.
    public var dateOfBirth: LocalDate?
    /// The jurisdiction id whose law governs the customer's requests.
    public var residence: String
    /// Postal addresses to record with the account.
    public var addresses: [PostalAddress]
    /// An scrypt hash string, never the password.
    public var passwordHash: String?
    /// The answer to the security question, normalised; stored encrypted, never shown.
    public var securityAnswer: String?
    /// A promotional code, if any.
    public var promoCode: String?
    /// Language, notifications and subscription.
    public var preferences: Preferences
    /// When the account is opened.
    public var createdAt: Date

    /// A new account's values; optional fields default to absent, preferences to the defaults.
    public init(
        fullName: String,
        email: String,
        phone: String? = nil,
        dateOfBirth: LocalDate? = nil,
        residence: String,
        addresses: [PostalAddress] = [],
        passwordHash: String? = nil,
        securityAnswer: String? = nil,
        promoCode: String? = nil,
        preferences: Preferences = Preferences(),
        createdAt: Date
    ) {
        self.fullName = fullName
        self.email = email
        self.phone = phone
        self.dateOfBirth = dateOfBirth
        self.residence = residence
        self.addresses = addresses
        self.passwordHash = passwordHash
        self.securityAnswer = securityAnswer
        self.promoCode = promoCode
        self.preferences = preferences
        self.createdAt = createdAt
    }
}

/// A card to store: the number goes only into ciphertext.
public struct NewPaymentMethod: Sendable {
    /// The card number; it prints masked and reaches only the ciphertext.
    public let card: PaymentCardNumber
    /// The name on the card; stored encrypted.
    public let cardholderName: String
    /// The expiry; stored encrypted.
    public let expiry: CardExpiry

    /// A card to store.
    public init(card: PaymentCardNumber, cardholderName: String, expiry: CardExpiry) {
        self.card = card
        self.cardholderName = cardholderName
        self.expiry = expiry
    }
}

/// One change to an account. ``fieldName`` is what the record note records: the name, never the value.
public enum AccountChange: Sendable {
    /// A new full name.
    case fullName(String)
    /// A new email address (its blind index is recomputed).
    case email(String)
    /// A new phone number, or `nil` to remove it.
    case phone(String?)
    /// A further postal address.
    case addAddress(PostalAddress)
    /// Replace the address with this row id.
    case replaceAddress(id: Int64, PostalAddress)
    /// Remove the address with this row id.
    case removeAddress(id: Int64)
    /// Store a further card.
    case addPaymentMethod(NewPaymentMethod)
    /// Remove the card with this row id.
    case removePaymentMethod(id: Int64)
    /// New language and notification settings.
    case preferences(Preferences)
    /// A new subscription plan, or `nil` to end it.
    case subscription(String?)
    /// A new account status (e.g. deactivated at the customer's request).
    case status(AccountStatus)

    /// The field's name for the record note and audit trail, e.g. `email` or `address`.
    public var fieldName: String {
        switch self {
        case .fullName: return "full-name"
        case .email: return "email"
        case .phone: return "phone"
        case .addAddress, .replaceAddress, .removeAddress: return "address"
        case .addPaymentMethod, .removePaymentMethod: return "payment-method"
        case .preferences: return "preferences"
        case .subscription: return "subscription"
        case .status: return "status"
        }
    }
}

/// A message to send after the transaction commits (transactional outbox).
public struct OutboxMessage: Sendable, Equatable {
    /// What to say, with exactly the facts its template needs.
    public let notice: Notice
    /// The customer it concerns, so an erasure can remove it; `nil` for staff alerts.
    public let accountID: AccountID?
    /// Where to send it (an email address, or an agent's callback URL); encrypted at rest.
    /// `nil` sends it to the privacy officers.
    public let recipient: String?

    /// A message to queue.
    public init(_ notice: Notice, accountID: AccountID?, recipient: String?) {
        self.notice = notice
        self.accountID = accountID
        self.recipient = recipient
    }

    /// The notice's kind, as stored.
    public var kind: NoticeKind { notice.kind }

    /// The notice's facts in their stored form (sealed at rest).
    public var parameters: [String: String] { notice.parameters }
}

/// A notice that will not be delivered: its last attempt failed, or the mail server bounced it. Kind,
/// account id and error only; the recipient and the facts stay sealed.
public struct FailedNotice: Sendable, Equatable {
    /// The outbox row id (the message id is `lethe-<id>`).
    public let id: Int64
    /// The notice's kind, as stored.
    public let kind: String
    /// The customer it was for, when it was for one (staff alerts have none).
    public let accountID: String?
    /// Delivery attempts made.
    public let attempts: Int
    /// Why the last attempt failed (`bounced: …` for a bounce).
    public let lastError: String?
    /// When it was queued.
    public let createdAt: Date

    /// Makes the value from each of its parts.
    public init(id: Int64, kind: String, accountID: String?, attempts: Int, lastError: String?, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.accountID = accountID
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
    }
}

/// A queued message as the dispatcher sees it (decrypted for delivery).
public struct PendingMessage: Sendable, Equatable {
    /// The outbox row id; also the stable message id, so a retried delivery is recognisable.
    public let id: Int64
    /// The message, decrypted.
    public let message: OutboxMessage
    /// Delivery attempts so far.
    public let attempts: Int
    /// When it was queued.
    public let createdAt: Date

    /// Makes the value from each of its parts.
    public init(id: Int64, message: OutboxMessage, attempts: Int, createdAt: Date) {
        self.id = id
        self.message = message
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// An action for the audit trail: ids and field names only, never personal values.
public struct AuditEvent: Sendable, Equatable {
    /// When it happened.
    public let at: Date
    /// Who did it, usually in ``Actor``'s stored form (e.g. `staff:ana`).
    public let actor: String
    /// What was done, e.g. `request.received` or `request.clock-stopped`.
    public let action: String
    /// The kind of thing acted on, e.g. `request` or `account`.
    public let subjectType: String
    /// The id of the thing acted on.
    public let subjectID: String
    /// Names of the fields touched, never their values.
    public let fields: [String]
    /// Why; sealed under the customer's key when it is about an account, so erasure shreds it.
    public let reason: String?

    /// An audit event to append.
    public init(
        at: Date,
        actor: String,
        action: String,
        subjectType: String,
        subjectID: String,
        fields: [String] = [],
        reason: String? = nil
    ) {
        self.at = at
        self.actor = actor
        self.action = action
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.fields = fields
        self.reason = reason
    }
}

/// A stored audit entry with its place in the chain.
public struct AuditEntry: Sendable, Equatable {
    /// The entry's place in the chain, from 1.
    public let seq: Int64
    /// What was recorded.
    public let event: AuditEvent
    /// The master-key version whose audit key made the MAC.
    public let keyVersion: UInt32
    /// The previous entry's MAC, which this entry's MAC covers.
    public let previousDigest: [UInt8]
    /// HMAC-SHA256 over the previous MAC and this entry's canonical content.
    public let mac: [UInt8]

    /// Makes the value from each of its parts.
    public init(seq: Int64, event: AuditEvent, keyVersion: UInt32, previousDigest: [UInt8], mac: [UInt8]) {
        self.seq = seq
        self.event = event
        self.keyVersion = keyVersion
        self.previousDigest = previousDigest
        self.mac = mac
    }
}

/// Which record notes a supervisor wants to review.
public struct RecordNoteQuery: Sendable {
    /// Only notes about this account.
    public var accountID: AccountID?
    /// Only notes by this author.
    public var author: String?
    /// Only notes made at or after this instant.
    public var from: Date?
    /// Only notes made before this instant.
    public var to: Date?
    /// At most this many notes.
    public var limit: Int

    /// A query; every filter is off by default and at most 200 notes are returned.
    public init(
        accountID: AccountID? = nil,
        author: String? = nil,
        from: Date? = nil,
        to: Date? = nil,
        limit: Int = 200
    ) {
        self.accountID = accountID
        self.author = author
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// A change held for a supervisor because identity could not be verified or it conflicts with the record.
public struct Escalation: Sendable, Equatable {
    /// The escalation's row id.
    public let id: Int64
    /// The account the change is for.
    public let accountID: AccountID
    /// When it was raised.
    public let at: Date
    /// The staff member who asked for the change.
    public let requestedBy: String
    /// Why it was escalated (unverified identity or a conflict with the record).
    public let kind: String
    /// Names of the fields the change would touch.
    public let changedFields: [String]
    /// The agent's reason, decrypted; stored encrypted.
    public let reason: String
    /// `open` until a supervisor resolves it.
    public let status: String

    /// Makes the value from each of its parts.
    public init(
        id: Int64,
        accountID: AccountID,
        at: Date,
        requestedBy: String,
        kind: String,
        changedFields: [String],
        reason: String,
        status: String
    ) {
        self.id = id
        self.accountID = accountID
        self.at = at
        self.requestedBy = requestedBy
        self.kind = kind
        self.changedFields = changedFields
        self.reason = reason
        self.status = status
    }
}

/// What a store can refuse. Messages carry ids and field names, never personal values.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// An account with that id already exists.
    case accountIDTaken(AccountID)
    /// Another account already uses the email address (found by its blind index).
    case emailInUse
    /// No account has that id.
    case accountNotFound(AccountID)
    /// The account has no address with that row id.
    case addressNotFound(AccountID, Int64)
    /// The account has no payment method with that row id.
    case paymentMethodNotFound(AccountID, Int64)
    /// The account has no data key, usually because it was erased.
    case keyMissing(AccountID)
    /// A value was refused; the message names the field and the problem, never the value.
    case invalidValue(field: String, reason: String)
    /// The request's subject was erased: nothing can be sent to them or sealed for them any more.
    case subjectErased(RequestID)
    /// A deliberately injected failure (tests of crash safety).
    case injectedFault(String)
    /// A staff user with that username exists.
    case staffExists(String)
    /// An authorized agent with that id is already registered.
    case agentExists(String)

    /// A message with ids and field names only.
    public var description: String {
        switch self {
        case .accountIDTaken(let id): return "account id \(id) is taken"
        case .emailInUse: return "another account already uses this email address"
        case .accountNotFound(let id): return "no account \(id)"
        case .addressNotFound(let id, let address): return "account \(id) has no address \(address)"
        case .paymentMethodNotFound(let id, let method): return "account \(id) has no payment method \(method)"
        case .keyMissing(let id): return "account \(id) has no data key (erased?)"
        case .invalidValue(let field, let reason): return "\(field): \(reason)"
        case .subjectErased(let id):
            return "request \(id): its customer has been erased, so nothing can be sent to them or sealed for them"
        case .injectedFault(let point): return "injected fault at \(point)"
        case .staffExists(let name): return "a staff user named '\(name)' exists"
        case .agentExists(let id): return "an agent with id \(id) is registered"
        }
    }
}

/// An export bundle's record: where the encrypted file is, its digest, and how long and how often it may be fetched.
public struct ExportBundleRecord: Sendable, Equatable {
    /// The bundle's id.
    public let id: String
    /// The customer it was made for.
    public let accountID: AccountID
    /// The export request it answers.
    public let requestID: RequestID
    /// Where the encrypted file lies under `Exports/`.
    public let path: String
    /// The file's SHA-256 in hex, so a download can be checked.
    public let sha256: String
    /// When it was made.
    public let createdAt: Date
    /// After this instant the link no longer works and the file is purged.
    public let expiresAt: Date
    /// How many more downloads are allowed.
    public let downloadsLeft: Int

    /// A bundle record as written after the file.
    public init(
        id: String,
        accountID: AccountID,
        requestID: RequestID,
        path: String,
        sha256: String,
        createdAt: Date,
        expiresAt: Date,
        downloadsLeft: Int
    ) {
        self.id = id
        self.accountID = accountID
        self.requestID = requestID
        self.path = path
        self.sha256 = sha256
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.downloadsLeft = downloadsLeft
    }
}

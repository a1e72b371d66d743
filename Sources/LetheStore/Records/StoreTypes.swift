import Foundation
import LetheCore
import LetheCrypto

/// What is needed to open an account. Values are plaintext here; the store encrypts them.
public struct NewAccount: Sendable {
    public var fullName: String
    public var email: String
    public var phone: String?
    public var dateOfBirth: LocalDate?
    public var residence: String
    public var addresses: [PostalAddress]
    /// An scrypt hash string, never the password.
    public var passwordHash: String?
    public var securityAnswer: String?
    public var promoCode: String?
    public var preferences: Preferences
    public var createdAt: Date

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
    public let card: PaymentCardNumber
    public let cardholderName: String
    public let expiry: CardExpiry

    public init(card: PaymentCardNumber, cardholderName: String, expiry: CardExpiry) {
        self.card = card
        self.cardholderName = cardholderName
        self.expiry = expiry
    }
}

/// One change to an account. ``fieldName`` is what the record note records: the name, never the value.
public enum AccountChange: Sendable {
    case fullName(String)
    case email(String)
    case phone(String?)
    case addAddress(PostalAddress)
    case replaceAddress(id: Int64, PostalAddress)
    case removeAddress(id: Int64)
    case addPaymentMethod(NewPaymentMethod)
    case removePaymentMethod(id: Int64)
    case preferences(Preferences)
    case subscription(String?)
    case status(AccountStatus)

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
    public let kind: String
    public let accountID: AccountID?
    /// Where to send it (an email address); encrypted at rest.
    public let recipient: String?
    /// Template parameters; encrypted at rest.
    public let parameters: [String: String]

    public init(kind: String, accountID: AccountID?, recipient: String?, parameters: [String: String] = [:]) {
        self.kind = kind
        self.accountID = accountID
        self.recipient = recipient
        self.parameters = parameters
    }
}

/// A queued message as the dispatcher sees it (decrypted for delivery).
public struct PendingMessage: Sendable, Equatable {
    public let id: Int64
    public let message: OutboxMessage
    public let attempts: Int
    public let createdAt: Date
}

/// An action for the audit trail: ids and field names only, never personal values.
public struct AuditEvent: Sendable, Equatable {
    public let at: Date
    public let actor: String
    public let action: String
    public let subjectType: String
    public let subjectID: String
    public let fields: [String]
    public let reason: String?

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
    public let seq: Int64
    public let event: AuditEvent
    public let keyVersion: UInt32
    public let previousDigest: [UInt8]
    public let mac: [UInt8]
}

/// Which record notes a supervisor wants to review.
public struct RecordNoteQuery: Sendable {
    public var accountID: AccountID?
    public var author: String?
    public var from: Date?
    public var to: Date?
    public var limit: Int

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
    public let id: Int64
    public let accountID: AccountID
    public let at: Date
    public let requestedBy: String
    public let kind: String
    public let changedFields: [String]
    public let reason: String
    public let status: String
}

/// What a store can refuse. Messages carry ids and field names, never personal values.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case accountIDTaken(AccountID)
    case emailInUse
    case accountNotFound(AccountID)
    case addressNotFound(AccountID, Int64)
    case paymentMethodNotFound(AccountID, Int64)
    case keyMissing(AccountID)
    case invalidValue(field: String, reason: String)
    /// The request's subject was erased: nothing can be sent to them or sealed for them any more.
    case subjectErased(RequestID)
    /// A deliberately injected failure (tests of crash safety).
    case injectedFault(String)
    case staffExists(String)
    case agentExists(String)

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
    public let id: String
    public let accountID: AccountID
    public let requestID: RequestID
    public let path: String
    public let sha256: String
    public let createdAt: Date
    public let expiresAt: Date
    public let downloadsLeft: Int

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

import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// The result of asking to change an account.
public enum ModificationOutcome: Sendable, Equatable {
    case applied
    /// Held for a supervisor: identity could not be verified, or the change conflicts with the record.
    case escalated(id: Int64, reason: String)
}

/// What an agent sees without revealing: masked values only.
public struct MaskedAccount: Sendable, Codable, Equatable {
    public let id: String
    public let status: String
    public let name: String
    public let email: String
    public let phone: String?
    public let residence: String
    public let addresses: [String]
    public let paymentMethods: [String]
    public let subscription: String?
    public let createdAt: Date
    /// The addresses again, each with the id a change or removal names; the text is masked.
    public let addressEntries: [MaskedEntry]
    /// The payment methods again, each with the id a removal names; never more than the last four digits.
    public let paymentMethodEntries: [MaskedEntry]
}

/// One masked row of an account (an address or a payment method) and the id that names it in a change.
public struct MaskedEntry: Sendable, Codable, Equatable {
    /// The row's id, as ``LetheCore/AccountChange/removeAddress(id:)`` and its kin expect.
    public let id: Int64
    /// What may be shown of it.
    public let text: String
}

/// A new customer as the agent or sign-up form gives it.
public struct AccountApplication: Sendable {
    public var fullName: String
    public var email: String
    public var phone: String?
    public var dateOfBirth: LocalDate?
    public var residence: String
    public var addresses: [PostalAddress]
    public var password: String?
    public var securityAnswer: String?
    public var promoCode: String?

    public init(
        fullName: String,
        email: String,
        phone: String? = nil,
        dateOfBirth: LocalDate? = nil,
        residence: String,
        addresses: [PostalAddress] = [],
        password: String? = nil,
        securityAnswer: String? = nil,
        promoCode: String? = nil
    ) {
        self.fullName = fullName
        self.email = email
        self.phone = phone
        self.dateOfBirth = dateOfBirth
        self.residence = residence
        self.addresses = addresses
        self.password = password
        self.securityAnswer = securityAnswer
        self.promoCode = promoCode
    }
}

/// The company's account procedures: create; modify only after verified identity, with a record
/// note and a notification for every change; escalate what cannot be verified or conflicts; view
/// masked; reveal as a separate, audited act.
public struct AccountService: Sendable {
    let store:
        any AccessRepository & AccountRepository & AuditRepository & JobRepository & RecipientRepository
            & RequestRepository
    let vault: KeyVault
    let policies: PolicySet
    let clock: any WallClock
    let random: any RandomSource
    let hasher: PasswordHasher
    /// Logs ids, field names and outcomes; never a personal value.
    let logger: Logger

    public init(
        store: any AccessRepository & AccountRepository & AuditRepository & JobRepository & RecipientRepository
            & RequestRepository,
        vault: KeyVault,
        policies: PolicySet,
        clock: any WallClock,
        random: any RandomSource = SecureRandomSource(),
        hasher: PasswordHasher = PasswordHasher(),
        logger: Logger = Logger(label: "lethe.accounts")
    ) {
        self.store = store
        self.vault = vault
        self.policies = policies
        self.clock = clock
        self.random = random
        self.hasher = hasher
        self.logger = logger
    }

    // MARK: Create

    /// Opens an account with a random, unguessable `TR-` id and sends the welcome notification.
    public func create(_ application: AccountApplication, by author: String) async throws -> AccountID {
        let name = application.fullName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw AccountError.invalid(field: "full-name", reason: "must not be empty") }
        try PersonalFieldCheck.text(name, field: "full-name")
        try application.addresses.forEach(PersonalFieldCheck.address)
        try PersonalFieldCheck.text(application.securityAnswer, field: "security-answer")
        try PersonalFieldCheck.text(application.promoCode, field: "promo-code")
        try PersonalFieldCheck.dateOfBirth(application.dateOfBirth, now: clock.now())
        let email: String
        do { email = try BlindIndex.normaliseEmail(application.email) } catch {
            throw AccountError.invalid(field: "email", reason: error.description)
        }
        let phone = try application.phone.map { phone throws -> String in
            do { return try BlindIndex.normalisePhone(phone) } catch {
                throw AccountError.invalid(field: "phone", reason: "\(error)")
            }
        }
        guard policies.jurisdictions[application.residence] != nil else {
            throw AccountError.unknownResidence(application.residence, known: policies.jurisdictions.keys.sorted())
        }
        var passwordHash: String?
        if let password = application.password {
            guard password.count >= 10 else {
                throw AccountError.invalid(field: "password", reason: "must be at least 10 characters")
            }
            passwordHash = try hasher.hash(password)
        }
        let now = clock.now()
        let account = NewAccount(
            fullName: name,
            email: email,
            phone: phone,
            dateOfBirth: application.dateOfBirth,
            residence: application.residence,
            addresses: application.addresses,
            passwordHash: passwordHash,
            securityAnswer: application.securityAnswer.map(Self.normaliseAnswer),
            promoCode: application.promoCode,
            createdAt: now
        )
        // Random ids: the next customer's id says nothing about the last one's.
        for _ in 0..<64 {
            guard let id = AccountID(number: Int(try random.uniform(below: 100_000))) else { continue }
            let note = RecordNote(
                accountID: id,
                at: now,
                author: author,
                changedFields: ["account"],
                reason: "Account opened",
                reference: nil,
                verification: nil
            )
            let welcome = OutboxMessage(.welcome(account: id), accountID: id, recipient: email)
            do {
                try await store.createAccount(id, account, note: note, welcome: welcome)
                logger.info("account opened", metadata: ["account": "\(id)", "by": "\(author)"])
                return id
            } catch StoreError.accountIDTaken {
                continue
            } catch StoreError.emailInUse {
                throw AccountError.invalid(field: "email", reason: "another account already uses this address")
            }
        }
        throw AccountError.noIDAvailable
    }

    // MARK: Modify

    /// Applies `changes` when identity is verified and nothing conflicts; otherwise holds them for a supervisor.
    public func modify(
        _ id: AccountID,
        changes: [AccountChange],
        verification: IdentityVerification?,
        reason: String,
        reference: String?,
        by author: String
    ) async throws -> ModificationOutcome {
        guard !changes.isEmpty else { throw AccountError.invalid(field: "changes", reason: "nothing to change") }
        try changes.forEach(PersonalFieldCheck.change)
        let reasonText = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reasonText.isEmpty else {
            throw AccountError.invalid(field: "reason", reason: "say why the change is made")
        }
        guard let account = try await store.account(id) else { throw AccountError.notFound(id) }
        let fields = changes.map(\.fieldName)
        guard let verification else {
            let escalation = try await escalate(id, changes, reason: "identity not verified: \(reasonText)", by: author)
            logger.notice(
                "change escalated: identity not verified",
                metadata: [
                    "account": "\(id)", "fields": "\(fields.joined(separator: ","))", "escalation": "\(escalation)",
                ]
            )
            return .escalated(id: escalation, reason: "identity could not be verified")
        }
        guard verification.accountID == id else { throw AccountError.verificationForAnotherAccount }
        if let conflict = try await conflict(in: changes, for: account) {
            let escalation = try await escalate(id, changes, reason: "\(conflict): \(reasonText)", by: author)
            logger.notice(
                "change escalated: conflicts with the record",
                metadata: [
                    "account": "\(id)", "fields": "\(fields.joined(separator: ","))", "escalation": "\(escalation)",
                ]
            )
            return .escalated(id: escalation, reason: conflict)
        }
        let now = clock.now()
        let note = RecordNote(
            accountID: id,
            at: now,
            author: author,
            changedFields: fields,
            reason: reasonText,
            reference: reference,
            verification: verification.evidence
        )
        // Confirm to the address on record (the old one when the email changes), naming fields only.
        let notification = OutboxMessage(.accountChanged(fields: fields), accountID: id, recipient: account.email)
        try await store.updateAccount(id, changes: changes, note: note, notification: notification)
        try await passRectificationOn(id, changes: changes, at: now)
        logger.info(
            "account changed",
            metadata: [
                "account": "\(id)", "fields": "\(fields.joined(separator: ","))",
                "verification": "\(verification.evidence.method.rawValue)", "by": "\(author)",
            ]
        )
        return .applied
    }

    /// The data category each kind of change touches, to find the recipients who hold it.
    static func category(of change: AccountChange) -> DataCategory {
        switch change {
        case .fullName, .status: return .identity
        case .email, .phone: return .contact
        case .addAddress, .replaceAddress, .removeAddress: return .address
        case .addPaymentMethod, .removePaymentMethod: return .payment
        case .preferences, .subscription: return .preferences
        }
    }

    /// Tells every recipient that received a changed category (GDPR Art 19), one retried, signed notice
    /// each. The job holds the account id and field names only.
    func passRectificationOn(_ id: AccountID, changes: [AccountChange], at now: Date) async throws {
        let categories = Set(changes.map(Self.category(of:)))
        let fields = changes.map(\.fieldName)
        for recipient in try await store.recipients()
        where recipient.active && !recipient.categories.isDisjoint(with: categories) {
            try await store.enqueue(
                NewJob(
                    .notifyRectification(RectificationNotice(recipientID: recipient.id, accountID: id, fields: fields)),
                    dedupeKey: "rectify:\(id):\(Int(now.timeIntervalSince1970 * 1000)):\(recipient.id)",
                    runAt: now,
                    maxAttempts: 8
                )
            )
        }
    }

    /// The reason a change must go to a supervisor, if any.
    func conflict(in changes: [AccountChange], for account: Account) async throws -> String? {
        let contactChanges = changes.filter {
            switch $0 {
            case .email, .phone, .fullName: return true
            default: return false
            }
        }
        // Replacing name, email and phone together is the shape of an account takeover.
        if Set(contactChanges.map(\.fieldName)).count == 3 {
            return "name, email and phone changed together"
        }
        for change in changes {
            if case .email(let email) = change, let owner = try await store.accountID(forEmail: email),
                owner != account.id
            {
                return "the new email belongs to another account"
            }
            if case .replaceAddress(let addressID, _) = change,
                !account.addresses.contains(where: { $0.id == addressID })
            {
                return "the address to replace is not on the record"
            }
            if case .removePaymentMethod(let methodID) = change,
                !account.paymentMethods.contains(where: { $0.id == methodID })
            {
                return "the payment method to remove is not on the record"
            }
        }
        return nil
    }

    func escalate(
        _ id: AccountID,
        _ changes: [AccountChange],
        reason: String,
        by author: String
    ) async throws -> Int64 {
        var proposed: [String: String] = [:]
        for change in changes { proposed[change.fieldName] = Self.describe(change) }
        return try await store.escalate(
            id,
            at: clock.now(),
            requestedBy: author,
            kind: "account-change",
            changes: proposed,
            reason: reason
        )
    }

    /// A supervisor's view of a proposed change. Stored encrypted; card numbers only masked.
    static func describe(_ change: AccountChange) -> String {
        switch change {
        case .fullName(let value), .email(let value): return value
        case .phone(let value): return value ?? "(remove)"
        case .addAddress(let address), .replaceAddress(_, let address):
            return [address.line1, address.line2, address.city, address.postalCode, address.country].compactMap { $0 }
                .joined(separator: ", ")
        case .removeAddress(let id): return "remove address \(id)"
        case .addPaymentMethod(let method): return method.card.description
        case .removePaymentMethod(let id): return "remove payment method \(id)"
        case .preferences(let preferences): return "language \(preferences.language)"
        case .subscription(let plan): return plan ?? "(none)"
        case .status(let status): return status.rawValue
        }
    }

    // MARK: View and reveal

    /// The account registered under `email`, found through its blind index (the address itself is
    /// never stored in clear); nil when none is, or when the text is no email at all.
    /// - Throws: the store's errors.
    public func find(email: String) async throws -> AccountID? {
        do {
            return try await store.accountID(forEmail: email)
        } catch StoreError.invalidValue(_, _) {
            return nil
        }
    }

    /// The account as an agent sees it by default: masked.
    public func view(_ id: AccountID) async throws -> MaskedAccount {
        guard let account = try await store.account(id) else { throw AccountError.notFound(id) }
        let addresses = account.addresses.map { MaskedEntry(id: $0.id, text: Masking.address($0.address)) }
        let payments = account.paymentMethods.map {
            MaskedEntry(id: $0.id, text: "\($0.brand) •••• \($0.last4) exp \($0.expiry)")
        }
        return MaskedAccount(
            id: id.description,
            status: account.status.rawValue,
            name: Masking.name(account.fullName),
            email: Masking.email(account.email),
            phone: account.phone.map(Masking.phone),
            residence: account.residence,
            addresses: addresses.map { "\($0.id): \($0.text)" },
            paymentMethods: payments.map { "\($0.id): \($0.text)" },
            subscription: account.preferences.subscription,
            createdAt: account.createdAt,
            addressEntries: addresses,
            paymentMethodEntries: payments
        )
    }

    /// One full value, after writing who revealed which field of whom and why to the audit trail.
    public func reveal(_ id: AccountID, field: String, reason: String, by agent: String) async throws -> String {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw AccountError.revealNeedsReason }
        guard let account = try await store.account(id) else { throw AccountError.notFound(id) }
        let value: String
        switch field {
        case "email": value = account.email
        case "phone": value = account.phone ?? ""
        case "full-name": value = account.fullName
        case "date-of-birth": value = account.dateOfBirth?.description ?? ""
        case "address":
            value = account.addresses.map {
                [$0.address.line1, $0.address.line2, $0.address.city, $0.address.postalCode, $0.address.country]
                    .compactMap { $0 }.joined(separator: ", ")
            }.joined(separator: " | ")
        default: throw AccountError.unknownField(field)
        }
        // Audited before it is shown: a reveal that is not recorded must not happen.
        try await store.appendAudit(
            AuditEvent(
                at: clock.now(),
                actor: agent,
                action: "reveal",
                subjectType: "account",
                subjectID: id.description,
                fields: [field],
                reason: why
            )
        )
        logger.notice("personal value revealed", metadata: ["account": "\(id)", "field": "\(field)", "by": "\(agent)"])
        return value
    }

    /// The account's consent ledger, oldest first; nil when there is no such account.
    /// - Throws: the store's errors.
    public func consents(_ id: AccountID) async throws -> [ConsentRecord]? {
        guard try await store.accountStatus(id) != nil else { return nil }
        return try await store.consents(id).sorted { $0.at < $1.at }
    }

    /// The account's security events (sign-ins, password changes), oldest first: when and what, without
    /// the client address or browser, which staff have no need to see.
    /// - Throws: the store's errors.
    public func securityEventKinds(_ id: AccountID) async throws -> [(at: Date, kind: String)] {
        guard try await store.accountStatus(id) != nil else { throw AccountError.notFound(id) }
        return try await store.securityEvents(id).map { ($0.at, $0.kind) }
    }

    /// Record notes for supervisor review.
    public func notes(_ query: RecordNoteQuery) async throws -> [RecordNote] {
        try await store.recordNotes(query)
    }

    static func normaliseAnswer(_ answer: String) -> String {
        answer.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func normalisePostalCode(_ code: String) -> String {
        code.uppercased().filter { !$0.isWhitespace }
    }
}

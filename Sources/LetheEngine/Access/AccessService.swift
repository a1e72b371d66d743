import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// Who is calling, once a session cookie or an API token has been checked.
public enum Principal: Sendable, Equatable, CustomStringConvertible {
    /// A member of staff signed in to the dashboard with a session cookie, acting with their role.
    case staff(username: String, role: StaffRole)
    /// An automated caller presenting an API token; named in the audit trail by the token's id.
    case token(id: String, name: String, role: StaffRole)
    /// A customer signed in to the privacy center; sees only their own requests and bundles.
    case customer(AccountID)

    /// The staff role the caller acts with; nil for a customer.
    public var role: StaffRole? {
        switch self {
        case .staff(_, let role), .token(_, _, let role): return role
        case .customer: return nil
        }
    }

    /// How the caller is named in record notes and the audit trail.
    public var actorName: String {
        switch self {
        case .staff(let username, _): return username
        case .token(let id, _, _): return "token:\(id)"
        case .customer: return "customer"
        }
    }

    /// A log-safe summary: the staff username or token id and the role, never a customer's account id.
    public var description: String {
        switch self {
        case .staff(let username, let role): return "staff \(username) (\(role.rawValue))"
        case .token(let id, _, let role): return "token \(id) (\(role.rawValue))"
        case .customer: return "customer"
        }
    }
}

/// A session just opened: the token goes into an HttpOnly cookie and is never stored.
public struct IssuedSession: Sendable {
    /// The secret to put in the cookie; only its SHA-256 is stored, so it cannot be recovered later.
    public let token: String
    /// Who the session signs in.
    public let principal: Principal
    /// When the session stops working, however active it is.
    public let expiresAt: Date
}

/// Why a sign-in or an access action was refused. None says whether a username or email exists.
public enum AccessError: Error, Equatable, CustomStringConvertible {
    /// The username or password is wrong, or the user is disabled; deliberately not saying which.
    case badCredentials
    /// Too many failed sign-ins for this username or client address within the throttle window.
    case throttled
    /// A new password is shorter than 12 characters.
    case weakPassword
    /// A new username is not 2-40 lower-case letters, digits, '.', '_' or '-' starting with a letter.
    case invalidUsername
    /// A customer's sign-in code is wrong, expired or used up, or the email has no account (not said).
    case codeRefused
    /// The named thing (a live API token, a token name) does not exist.
    case notFound(String)
    /// The customer's account is deactivated: no session, though requests can still be made and verified.
    case accountDeactivated

    /// A sentence that can be shown to the person signing in; it never confirms that an account exists.
    public var description: String {
        switch self {
        case .badCredentials: return "the username or password is wrong"
        case .throttled: return "too many failed sign-ins; wait 15 minutes and try again"
        case .weakPassword: return "a password needs at least 12 characters"
        case .invalidUsername:
            return "a username is 2-40 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter"
        case .codeRefused: return "the code is wrong, expired or used up; ask for a new one"
        case .notFound(let what): return "no \(what)"
        case .accountDeactivated:
            return
                "this account is deactivated, so it cannot be signed in to; you can still ask for a copy of your data or for its deletion"
        }
    }
}

/// Tunable parts of sign-in; the defaults follow OWASP's session and authentication guidance.
public struct AccessPolicy: Sendable {
    /// A staff session ends this long after sign-in, however busy.
    public var staffSessionLifetime: TimeInterval = 8 * 3600
    /// A customer's privacy-center session is short: it acts on their data.
    public var customerSessionLifetime: TimeInterval = 30 * 60
    /// Failed sign-ins allowed per username, and per client address, within ``throttleWindow``.
    public var maxFailuresPerUser = 5
    /// Failed sign-ins allowed from one client address within ``throttleWindow``, across usernames.
    public var maxFailuresPerClient = 20
    /// How far back failed sign-ins count; a throttled user or client is let in again once it passes.
    public var throttleWindow: TimeInterval = 15 * 60

    /// The default policy: 8-hour staff sessions, 30-minute customer sessions, 5 and 20 failures per 15 minutes.
    public init() {}
}

/// Staff sign-in, sessions, API tokens and customer sign-in by code.
///
/// Session tokens and API token secrets are 256 bits from OpenSSL's CSPRNG; the store keeps only their
/// SHA-256, so a copy of the database cannot be used to sign in. Passwords are scrypt hashes.
public struct AccessService: Sendable {
    let store: any AccessRepository & AccountRepository & RequestRepository
    let vault: KeyVault
    let clock: any WallClock
    let random: any RandomSource
    let hasher: PasswordHasher
    /// Session lifetimes and sign-in throttling limits this service applies.
    public var policy: AccessPolicy
    let logger: Logger
    /// A hash of a password nobody knows, with this service's cost, checked when a username is unknown
    /// so that timing does not tell which names exist.
    let decoyHash: String

    /// Creates the service over the store that keeps users, sessions, tokens and accounts.
    ///
    /// `random` draws API token ids; a decoy password hash is computed once here so that sign-ins for
    /// unknown usernames cost the same as for known ones.
    public init(
        store: any AccessRepository & AccountRepository & RequestRepository,
        vault: KeyVault,
        clock: any WallClock,
        random: any RandomSource = SecureRandomSource(),
        hasher: PasswordHasher = PasswordHasher(),
        policy: AccessPolicy = AccessPolicy(),
        logger: Logger = Logger(label: "lethe.access")
    ) {
        self.store = store
        self.vault = vault
        self.clock = clock
        self.random = random
        self.hasher = hasher
        self.policy = policy
        self.logger = logger
        self.decoyHash =
            (try? hasher.hash(Data((try? SecureRandom.bytes(24)) ?? [0]).base64EncodedString())) ?? ""
    }

    // MARK: Staff

    /// Adds a staff user with a hashed password.
    /// - Throws: ``AccessError/invalidUsername`` or ``AccessError/weakPassword`` for a refused name or
    ///   password; `StoreError.staffExists` when the username is taken; the store's errors otherwise.
    public func addStaff(
        username: String,
        role: StaffRole,
        password: String,
        by actor: String
    ) async throws
        -> StaffUserRecord
    {
        guard Self.isValidUsername(username) else { throw AccessError.invalidUsername }
        guard password.count >= 12 else { throw AccessError.weakPassword }
        let user = StaffUserRecord(
            username: username,
            role: role,
            passwordHash: try hasher.hash(password),
            createdAt: clock.now()
        )
        try await store.addStaffUser(user, by: actor)
        return user
    }

    /// Sets a new password (which re-enables the user) and ends their sessions.
    /// - Throws: ``AccessError/weakPassword`` for a password under 12 characters; the store's errors
    ///   (`StoreError`) otherwise.
    public func setPassword(username: String, password: String, by actor: String) async throws {
        guard password.count >= 12 else { throw AccessError.weakPassword }
        try await store.setStaffPassword(username, hash: try hasher.hash(password), at: clock.now(), by: actor)
    }

    static func isValidUsername(_ name: String) -> Bool {
        guard (2...40).contains(name.count), let first = name.first, first.isASCII, first.isLowercase else {
            return false
        }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || "._-".contains($0) }
    }

    /// Signs a member of staff in. Failures are counted per username and per client address; past
    /// the limit every attempt is refused without checking the password, until the window passes.
    /// - Throws: ``AccessError/throttled`` past the failure limits, ``AccessError/badCredentials`` for a
    ///   wrong password, unknown or disabled user; the store's errors (`StoreError`) otherwise.
    public func signIn(username: String, password: String, client: String) async throws -> IssuedSession {
        let now = clock.now()
        let since = now.addingTimeInterval(-policy.throttleWindow)
        let userKey = "user:\(username.lowercased())"
        let clientKey = "client:\(client)"
        let userFailures = try await store.signInFailures(key: userKey, since: since)
        let clientFailures = try await store.signInFailures(key: clientKey, since: since)
        if userFailures >= policy.maxFailuresPerUser || clientFailures >= policy.maxFailuresPerClient {
            logger.notice("sign-in throttled", metadata: ["client": "\(client)"])
            throw AccessError.throttled
        }
        let user = try await store.staffUser(username)
        // An unknown name costs the same scrypt as a known one, so timing does not tell which names exist.
        let valid = PasswordHasher.verify(password, against: user?.passwordHash ?? decoyHash)
        guard let user, valid, user.disabledAt == nil else {
            try await store.recordSignInFailure(key: userKey, at: now)
            try await store.recordSignInFailure(key: clientKey, at: now)
            logger.notice("sign-in failed", metadata: ["client": "\(client)"])
            throw AccessError.badCredentials
        }
        try await store.clearSignInFailures(key: userKey)
        let session = try await openSession(.staff(user.username), lifetime: policy.staffSessionLifetime)
        logger.info("staff signed in", metadata: ["staff": "\(user.username)"])
        return IssuedSession(
            token: session.token,
            principal: .staff(username: user.username, role: user.role),
            expiresAt: session.expiresAt
        )
    }

    // MARK: Sessions

    private func openSession(
        _ subject: SessionSubject,
        lifetime: TimeInterval
    ) async throws -> (
        token: String, expiresAt: Date
    ) {
        let now = clock.now()
        let token = "s_" + Self.base64URL(try SecureRandom.bytes(32))
        let expires = now.addingTimeInterval(lifetime)
        try await store.createSession(
            hash: try Self.hash(token),
            SessionRecord(subject: subject, createdAt: now, expiresAt: expires)
        )
        return (token, expires)
    }

    /// Who holds this session token, if it is live (and, for staff, the user is not disabled).
    /// - Throws: the store's errors (`StoreError`); an unknown or expired token is nil, not an error.
    public func principal(sessionToken token: String) async throws -> Principal? {
        guard token.hasPrefix("s_"), token.count < 100,
            let session = try await store.session(hash: try Self.hash(token), at: clock.now())
        else { return nil }
        switch session.subject {
        case .customer(let id):
            // Checked on every request, not only at sign-in: a deactivation (or an erasure) made by any
            // process ends the customer's sessions at once.
            guard let status = try await store.accountStatus(id), status.allowsCustomerSignIn else {
                try await store.deleteSession(hash: try Self.hash(token))
                return nil
            }
            return .customer(id)
        case .staff(let name):
            guard let user = try await store.staffUser(name), user.disabledAt == nil else { return nil }
            return .staff(username: name, role: user.role)
        }
    }

    /// Drops sessions that have ended; run at start and from time to time.
    /// - Returns: the number of sessions removed.
    /// - Throws: the store's errors (`StoreError`).
    public func purgeExpiredSessions() async throws -> Int {
        try await store.deleteExpiredSessions(before: clock.now())
    }

    /// Ends a session at once by deleting its stored hash; the cookie no longer signs anyone in.
    ///
    /// - Throws: the store's errors (`StoreError`); an unknown token is not an error.
    public func signOut(sessionToken token: String) async throws {
        try await store.deleteSession(hash: try Self.hash(token))
    }

    /// The CSRF token of a session: derived from the session token, which scripts and other sites
    /// cannot read (HttpOnly, SameSite=Strict), so it cannot be forged and needs no storage.
    public static func csrfToken(forSession token: String) -> String {
        (try? hash("lethe/csrf/v1|" + token)).map { base64URL(Array($0)) } ?? ""
    }

    // MARK: API tokens

    /// Issues a token; the secret (`lethe_…`) is returned once and stored only as its hash.
    /// - Throws: ``AccessError/notFound(_:)`` when the name is blank; the store's errors (`StoreError`)
    ///   or a `CryptoError` from the random source otherwise.
    public func issueToken(
        name: String,
        role: StaffRole,
        by actor: String
    ) async throws -> (
        APITokenRecord, secret: String
    ) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AccessError.notFound("token name") }
        let id = "T-" + String(try random.uniform(below: UInt32.max), radix: 36).uppercased()
        let secret = "lethe_" + Self.base64URL(try SecureRandom.bytes(32))
        let record = APITokenRecord(id: id, name: trimmed, role: role, createdAt: clock.now(), createdBy: actor)
        try await store.addAPIToken(record, hash: try Self.hash(secret))
        logger.info("api token issued", metadata: ["token": "\(id)", "role": "\(role.rawValue)"])
        return (record, secret)
    }

    /// Who a bearer secret belongs to; nil when unknown or revoked.
    /// - Throws: the store's errors (`StoreError`).
    public func principal(bearer secret: String) async throws -> Principal? {
        guard secret.hasPrefix("lethe_"), secret.count < 100,
            let token = try await store.apiToken(hash: try Self.hash(secret)), token.revokedAt == nil
        else { return nil }
        return .token(id: token.id, name: token.name, role: token.role)
    }

    /// Revokes an API token for good: every later call with its secret is refused. Audited under `actor`.
    ///
    /// - Throws: ``AccessError/notFound(_:)`` when no live token has that id; the store's errors otherwise.
    public func revokeToken(_ id: String, by actor: String) async throws {
        guard try await store.revokeAPIToken(id, at: clock.now(), by: actor) else {
            throw AccessError.notFound("live token \(id)")
        }
    }

    // MARK: Customers

    private static func signInPurpose(_ id: AccountID) -> String { "sign-in:\(id)" }

    private var codes: OneTimeCodes { OneTimeCodes(store: store, vault: vault, random: random, clock: clock) }

    /// Sends a sign-in code to the email if it belongs to an account. Says nothing either way, so the
    /// form cannot be used to learn who is a customer; rate limits apply per account and per address.
    /// - Throws: the store's errors (`StoreError`); an unknown email and a rate limit are silent.
    public func sendCustomerCode(email: String) async throws {
        guard let id = try? await store.accountID(forEmail: email) else { return }
        do {
            try await codes.send(Self.signInPurpose(id), keyOwner: id.description, scope: .signIn, to: email) {
                digits in
                OutboxMessage(.signInCode(code: digits, expiresInMinutes: 15), accountID: id, recipient: email)
            }
        } catch OneTimeCodes.Failure.rateLimited {
            logger.notice("sign-in code rate-limited", metadata: ["account": "\(id)"])
        }
    }

    /// Opens a privacy-center session when the code sent to `email` is right.
    /// - Throws: ``AccessError/codeRefused`` for a wrong, expired or used-up code or an unknown email,
    ///   ``AccessError/accountDeactivated`` for a deactivated account; the store's errors otherwise.
    public func signInCustomer(email: String, code: String) async throws -> IssuedSession {
        guard let id = try? await store.accountID(forEmail: email) else { throw AccessError.codeRefused }
        do {
            guard try await codes.check(Self.signInPurpose(id), digits: code) else { throw AccessError.codeRefused }
        } catch is OneTimeCodes.Failure {
            throw AccessError.codeRefused
        }
        // After the code, so that the answer says nothing about an address to someone without its mail.
        try await requireSignInAllowed(id)
        let session = try await openSession(.customer(id), lifetime: policy.customerSessionLifetime)
        logger.info("customer signed in", metadata: ["account": "\(id)"])
        return IssuedSession(token: session.token, principal: .customer(id), expiresAt: session.expiresAt)
    }

    /// Opens a privacy-center session for a customer whose identity was just proven another way (the
    /// right code for their own request, sent to their registered email).
    ///
    /// - Throws: ``AccessError/accountDeactivated`` for a deactivated account: its statutory rights
    ///   remain (requests verified by code), but it gets no session.
    public func openCustomerSession(_ id: AccountID) async throws -> IssuedSession {
        try await requireSignInAllowed(id)
        let session = try await openSession(.customer(id), lifetime: policy.customerSessionLifetime)
        return IssuedSession(token: session.token, principal: .customer(id), expiresAt: session.expiresAt)
    }

    /// The identity evidence a live privacy-center session carries: its customer signed in with a code
    /// sent to the registered email. Changes customers make to their own account rest on it.
    ///
    /// - Throws: ``AccessError/codeRefused`` when the token is no live customer session (expired, signed
    ///   out, a staff session, or the account was deactivated since).
    public func customerVerification(sessionToken token: String) async throws -> IdentityVerification {
        guard case .customer(let id) = try await principal(sessionToken: token) else { throw AccessError.codeRefused }
        return IdentityVerification(
            accountID: id,
            evidence: VerificationEvidence(
                method: .oneTimeCodeEmail,
                verifiedBy: AccountService.customerAuthor,
                verifiedAt: clock.now()
            )
        )
    }

    private func requireSignInAllowed(_ id: AccountID) async throws {
        guard let status = try await store.accountStatus(id) else { throw AccessError.codeRefused }
        guard status.allowsCustomerSignIn else { throw AccessError.accountDeactivated }
    }

    // MARK: Hashing

    static func hash(_ secret: String) throws -> Data {
        Data(try SHA256Hasher.digest(Array(secret.utf8)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

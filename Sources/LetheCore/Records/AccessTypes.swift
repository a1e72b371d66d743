import Foundation

/// A member of staff who signs in to the dashboard. The password is kept only as a scrypt hash.
public struct StaffUserRecord: Sendable, Equatable {
    /// The sign-in name; also the staff id written on events and audit entries.
    public let username: String
    /// What the user may do.
    public let role: StaffRole
    /// The `$scrypt$...` hash string; the password itself is never stored.
    public let passwordHash: String
    /// When the user was created.
    public let createdAt: Date
    /// When the user was disabled; `nil` while they may sign in.
    public let disabledAt: Date?

    /// A staff user as created or read back.
    public init(username: String, role: StaffRole, passwordHash: String, createdAt: Date, disabledAt: Date? = nil) {
        self.username = username
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// Who a session belongs to: a member of staff, or a customer signed in to the privacy center.
public enum SessionSubject: Sendable, Equatable {
    /// A member of staff, by username.
    case staff(String)
    /// A customer in the privacy center, by account id; never opens the dashboard or the API.
    case customer(AccountID)
}

/// A signed-in session. Only the SHA-256 of its token is stored, so a copy of the database opens no session.
public struct SessionRecord: Sendable, Equatable {
    /// Whose session it is.
    public let subject: SessionSubject
    /// When the session began.
    public let createdAt: Date
    /// After this instant the session no longer authenticates.
    public let expiresAt: Date

    /// A session as stored.
    public init(subject: SessionSubject, createdAt: Date, expiresAt: Date) {
        self.subject = subject
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An API token for a machine (an integration, the purge worker), scoped to one role. Its secret is
/// shown once at issue; the store keeps its SHA-256.
public struct APITokenRecord: Sendable, Equatable {
    /// The token's public id, used to list and revoke it (not the secret).
    public let id: String
    /// What the token is for, e.g. "purge worker".
    public let name: String
    /// The role whose permissions the token carries.
    public let role: StaffRole
    /// When it was issued.
    public let createdAt: Date
    /// The staff user who issued it.
    public let createdBy: String
    /// When it was revoked; `nil` while it works.
    public let revokedAt: Date?

    /// A token record as issued or read back.
    public init(id: String, name: String, role: StaffRole, createdAt: Date, createdBy: String, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.revokedAt = revokedAt
    }
}

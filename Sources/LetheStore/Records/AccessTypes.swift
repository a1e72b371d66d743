import Foundation
import LetheCore

/// A member of staff who signs in to the dashboard. The password is kept only as a scrypt hash.
public struct StaffUserRecord: Sendable, Equatable {
    public let username: String
    public let role: StaffRole
    public let passwordHash: String
    public let createdAt: Date
    public let disabledAt: Date?

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
    case staff(String)
    case customer(AccountID)
}

/// A signed-in session. Only the SHA-256 of its token is stored, so a copy of the database opens no session.
public struct SessionRecord: Sendable, Equatable {
    public let subject: SessionSubject
    public let createdAt: Date
    public let expiresAt: Date

    public init(subject: SessionSubject, createdAt: Date, expiresAt: Date) {
        self.subject = subject
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An API token for a machine (an integration, the purge worker), scoped to one role. Its secret is
/// shown once at issue; the store keeps its SHA-256.
public struct APITokenRecord: Sendable, Equatable {
    public let id: String
    public let name: String
    public let role: StaffRole
    public let createdAt: Date
    public let createdBy: String
    public let revokedAt: Date?

    public init(id: String, name: String, role: StaffRole, createdAt: Date, createdBy: String, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.revokedAt = revokedAt
    }
}

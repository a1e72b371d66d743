/// What a member of staff may do, by the least each job needs.
///
/// An `auditor` reads everything an inspection needs and changes nothing; an `agent` (support) takes
/// requests in and works accounts; an `officer` decides requests and holds; an `admin` also manages
/// staff and API tokens. Roles are ordered only by convention: every check goes through ``Permission``.
public enum StaffRole: String, CaseIterable, Sendable, Codable, Comparable {
    /// Reads requests, accounts (masked) and evidence for an inspection; changes nothing.
    case auditor
    /// Support staff: take requests in, verify identity and work accounts.
    case agent
    /// Privacy officer: everything an agent does, plus deciding requests, revealing values, holds and jobs.
    case officer
    /// Every permission, including managing staff users and API tokens.
    case admin

    /// The permissions the role carries.
    public var permissions: Set<Permission> {
        switch self {
        case .auditor:
            return [.readRequests, .readAccounts, .readEvidence]
        case .agent:
            return [.readRequests, .readAccounts, .submitRequests, .verifyIdentity, .workAccounts]
        case .officer:
            return StaffRole.agent.permissions.union([
                .decideRequests, .revealPersonalData, .manageHolds, .readEvidence, .runJobs,
            ])
        case .admin:
            return Set(Permission.allCases)
        }
    }

    /// Whether the role grants `permission`; the one check routes and commands make.
    public func may(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Orders roles auditor < agent < officer < admin, for listings only; never use it to grant access.
    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// One thing a caller may be allowed to do. Routes name the permission they need; roles grant them.
public enum Permission: String, CaseIterable, Sendable, Codable {
    /// The queue, a request's timeline and deadlines.
    case readRequests = "read-requests"
    /// Masked accounts, record notes, consents.
    case readAccounts = "read-accounts"
    /// The audit trail check, reports, dossiers, holds and recipients.
    case readEvidence = "read-evidence"
    /// Submitting a request for a customer.
    case submitRequests = "submit-requests"
    /// Checking identity (codes, answers) for requests and account changes.
    case verifyIdentity = "verify-identity"
    /// Creating and changing accounts (changes still need verified identity or go to a supervisor).
    case workAccounts = "work-accounts"
    /// Approve, deny, extend, pause, resume, cancel, complete, assign.
    case decideRequests = "decide-requests"
    /// Showing a personal value unmasked (audited).
    case revealPersonalData = "reveal-personal-data"
    /// Placing and releasing legal holds.
    case manageHolds = "manage-holds"
    /// Processing jobs and the purge (the worker's token).
    case runJobs = "run-jobs"
    /// Staff users and API tokens.
    case manageAccess = "manage-access"
}

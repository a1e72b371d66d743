import Foundation
import LetheCore
import LetheStore

/// Why an administrative change was refused; each says what to do instead.
public enum AdministrationError: Error, Equatable, CustomStringConvertible {
    /// A recipient is already registered under this id.
    case recipientExists(String)
    /// The recipient's webhook is not an http(s) URL.
    case badWebhookURL
    /// The signing secret is shorter than 16 characters.
    case weakSecret
    /// An act that is recorded with its reason was asked for without one.
    case reasonRequired

    /// A sentence for the administrator, naming the recipient id where there is one, never the secret.
    public var description: String {
        switch self {
        case .recipientExists(let id): return "a recipient '\(id)' is registered"
        case .badWebhookURL: return "the webhook must be an http(s) URL"
        case .weakSecret: return "the signing secret needs 16 characters or more"
        case .reasonRequired: return "say why: the reason is recorded in the audit trail"
        }
    }
}

/// The administrator's tools: staff, tokens, recipients, agents and the job queue. Every change is
/// audited in the transaction that makes it; front ends reach these here, never through the store.
public struct Administration: Sendable {
    let store:
        any AccessRepository & AgentRepository & AuditRepository & JobRepository & OutboxRepository
            & RecipientRepository
    let clock: any WallClock

    init(
        store: any AccessRepository & AgentRepository & AuditRepository & JobRepository & OutboxRepository
            & RecipientRepository,
        clock: any WallClock
    ) {
        self.store = store
        self.clock = clock
    }

    /// Every staff user, enabled or not.
    /// - Throws: the store's errors.
    public func staffUsers() async throws -> [StaffUserRecord] { try await store.staffUsers() }

    /// One staff user by name, or nil.
    /// - Throws: the store's errors.
    public func staffUser(_ username: String) async throws -> StaffUserRecord? { try await store.staffUser(username) }

    /// Disables a staff user and ends their sessions, audited; false when no enabled user has the name.
    /// - Throws: the store's errors.
    public func disableStaffUser(_ username: String, by actor: String) async throws -> Bool {
        try await store.disableStaffUser(username, at: clock.now(), by: actor)
    }

    /// Every API token (hashes only; a secret is shown once, when issued).
    /// - Throws: the store's errors.
    public func apiTokens() async throws -> [APITokenRecord] { try await store.apiTokens() }

    /// The recipients an erasure or correction is passed on to (GDPR Art 19).
    /// - Throws: the store's errors.
    public func recipients() async throws -> [Recipient] { try await store.recipients() }

    /// Registers a recipient after checking its webhook and secret, audited in the same transaction.
    /// - Throws: ``AdministrationError`` when the URL or secret is unusable or the id is taken; the
    ///   store's errors otherwise.
    public func addRecipient(_ recipient: Recipient, secret: String, by actor: String) async throws {
        guard let url = URL(string: recipient.webhookURL), ["https", "http"].contains(url.scheme ?? "") else {
            throw AdministrationError.badWebhookURL
        }
        guard secret.count >= 16 else { throw AdministrationError.weakSecret }
        guard try await store.addRecipient(recipient, secret: secret, at: clock.now(), by: actor) else {
            throw AdministrationError.recipientExists(recipient.id)
        }
    }

    /// The authorized agents registered for the Data Rights Protocol.
    /// - Throws: the store's errors.
    public func agents() async throws -> [AuthorizedAgent] { try await store.agents() }

    /// Revokes an agent and its token at once, audited; false when there is no such active agent.
    /// - Throws: the store's errors.
    public func revokeAgent(_ id: String, by actor: String) async throws -> Bool {
        try await store.revokeAgent(id, at: clock.now(), by: actor)
    }

    /// Jobs by status: what the workers have queued, running, done and dead.
    /// - Throws: the store's errors.
    public func jobCounts() async throws -> [JobStatus: Int] { try await store.jobCounts() }

    /// Jobs that used up their attempts, newest first.
    /// - Throws: the store's errors.
    public func deadJobs(limit: Int) async throws -> [DeadJob] { try await store.deadJobs(limit: limit) }

    /// Puts a dead job back in the queue with fresh attempts, audited with the reason; false when the
    /// job is not dead.
    /// - Throws: the store's errors.
    public func requeueDeadJob(_ id: Int64, reason: String, by actor: String) async throws -> Bool {
        try await store.requeueDeadJob(id, by: actor, reason: reason, at: clock.now())
    }

    /// The notices that will not be delivered (bounced, or out of attempts), newest first.
    /// - Throws: the store's errors.
    public func failedNotices(limit: Int = 100) async throws -> [FailedNotice] {
        try await store.failedMessages(limit: limit)
    }

    /// Records in the audit trail that a member of staff took a copy of a customer's export bundle, before
    /// it is opened: a copy that is not recorded must not happen.
    /// - Throws: the store's errors.
    public func recordBundleDownload(_ bundle: ExportBundleRecord, reason: String, by actor: String) async throws {
        _ = try await store.appendAudit(
            AuditEvent(
                at: clock.now(),
                actor: actor,
                action: "bundle.downloaded",
                subjectType: "request",
                subjectID: bundle.requestID.rawValue,
                fields: ["bundle"],
                reason: reason
            )
        )
    }

    /// Records in the audit trail that an officer wrote a customer's plain export, before it is written:
    /// an export that is not recorded must not happen.
    /// - Throws: the store's errors.
    public func recordOfficerExport(_ account: AccountID, reason: String, by actor: String) async throws {
        _ = try await store.appendAudit(
            AuditEvent(
                at: clock.now(),
                actor: actor,
                action: "account.exported",
                subjectType: "account",
                subjectID: account.description,
                fields: ["all"],
                reason: reason
            )
        )
    }
}

import Foundation
import LetheCore
import LetheStore

/// A message ready to hand to a transport.
public struct Envelope: Sendable, Equatable {
    /// Stable across retries, so a receiver can drop duplicates (delivery is at least once).
    public let messageID: String
    public let kind: String
    public let to: String
    public let subject: String
    public let body: String
    public let parameters: [String: String]
    public let createdAt: Date
}

/// Plain-text renderings of each notification kind. Wording is deliberately plain: these are
/// statutory notices a customer must understand.
enum NotificationTemplates {
    static func render(_ message: OutboxMessage) -> (subject: String, body: String) {
        let p = message.parameters
        let request = p["request"] ?? ""
        switch message.kind {
        case "welcome":
            return ("Welcome", "Your account \(p["account"] ?? "") is open.")
        case "account-changed":
            return (
                "Your account details were changed",
                "These details of your account changed: \(p["fields"] ?? ""). If this was not you, contact us at once."
            )
        case "verification-code":
            return (
                "Your verification code",
                "Your code for request \(request) is \(p["code"] ?? ""). It expires in \(p["expires-minutes"] ?? "15") minutes. Never share it."
            )
        case "account-verification-code":
            return (
                "Your verification code",
                "Your code to confirm a change to your account is \(p["code"] ?? ""). It expires in \(p["expires-minutes"] ?? "15") minutes. Never share it."
            )
        case "sign-in-code":
            return (
                "Your sign-in code",
                "Your code to sign in to the privacy center is \(p["code"] ?? ""). It expires in \(p["expires-minutes"] ?? "15") minutes. "
                    + "Never share it. If you did not ask for it, ignore this message."
            )
        case "agent-confirmation":
            return (
                "Did you ask \(p["agent"] ?? "an agent") to act for you?",
                "\(p["agent"] ?? "An agent") asked us, on your behalf, to carry out a \(p["kind"] ?? "") request (\(request)). "
                    + "If you gave them permission, confirm it with this code: \(p["code"] ?? ""). It expires in \(p["expires-minutes"] ?? "15") minutes. "
                    + "If you did not, ignore this message and nothing will happen."
            )
        case "receipt-acknowledgement":
            return (
                "We received your request \(request)",
                "We received your \(p["kind"] ?? "") request \(request) under \(p["law"] ?? "the applicable law"). "
                    + "We will respond by \(p["respond-by"] ?? "the legal deadline"). We may first need to confirm your identity."
            )
        case "extension-notice":
            return (
                "We need more time for request \(request)",
                "We are extending the time to respond to request \(request) until \(p["respond-by"] ?? ""). Reason: \(p["reason"] ?? "")"
            )
        case "request-completed":
            return (
                "Request \(request) is complete",
                "We have completed your \(p["kind"] ?? "") request \(request). \(p["summary"] ?? "")"
            )
        case "request-denied":
            return (
                "We cannot act on request \(request)",
                "We cannot act on request \(request) because "
                    + (p["basis"].flatMap(DenialReason.init(rawValue:))?.plainWords ?? "of the reason below") + ". "
                    + "\(p["reason"] ?? "")\n\n"
                    + "You have the right to complain to \(p["complain-to"] ?? "the supervisory authority") (\(p["complain-at"] ?? "")) "
                    + "and to seek a judicial remedy."
            )
        case "request-due-soon":
            return (
                "Request \(request) is due \(p["due"] ?? "") (\(p["days-left"] ?? "?") days)",
                "Request \(request), assigned to \(p["assignee"] ?? "nobody"), is due \(p["due"] ?? ""). Alert level: \(p["level"] ?? "")."
            )
        case "request-needs-supervisor":
            return (
                "Request \(request) needs a supervisor",
                "Request \(request) was put in the supervisor queue: \(p["reason"] ?? "")."
            )
        case "deletion-scheduled":
            return (
                "Your account will be deleted on \(p["erase-on"] ?? "")",
                "We will delete your account on \(p["erase-on"] ?? "") (request \(request)). Until then you can cancel the deletion."
            )
        case "deletion-confirmation":
            return (
                "Your account is being deleted",
                "We are now deleting your account and data (request \(request)). After this message we can no longer contact you. "
                    + "Records the law requires us to keep (such as invoices) are kept without your contact details, then deleted."
            )
        case "request-overdue":
            return (
                "OVERDUE: request \(request) was due \(p["due"] ?? "")",
                "Request \(request), assigned to \(p["assignee"] ?? "nobody"), is past its legal deadline of \(p["due"] ?? "")."
            )
        default:
            return (message.kind, p.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"))
        }
    }
}

/// Delivers envelopes somewhere a person or system will read them.
public protocol NotificationTransport: Sendable {
    func deliver(_ envelope: Envelope) async throws
    /// Removes what the transport kept of these messages, for a customer being erased. A transport that
    /// keeps nothing (a webhook: the receiver has it) does nothing.
    func forget(messageIDs: [String]) async throws
}

extension NotificationTransport {
    public func forget(messageIDs: [String]) async throws {}
}

/// Writes each message as an RFC 5322 `.eml` file in a folder: the embedded default, for development
/// and for a mail relay that picks files up. Files are created 0600 (they hold codes and addresses).
public struct MailFolderTransport: NotificationTransport {
    public let folder: String
    public let from: String

    public init(folder: String, from: String = "privacy@lethe.invalid") {
        self.folder = folder
        self.from = from
    }

    /// Deletes the spool files of these messages (an erased customer's notices: their address and
    /// codes must not outlive them in the folder).
    public func forget(messageIDs: [String]) async throws {
        for id in messageIDs {
            let path = (folder as NSString).appendingPathComponent("\(id).eml")
            if unlink(path) != 0, errno != ENOENT {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
    }

    public func deliver(_ envelope: Envelope) async throws {
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let text = """
            From: \(from)\r
            To: \(envelope.to)\r
            Subject: \(envelope.subject)\r
            Date: \(formatter.string(from: envelope.createdAt))\r
            Message-ID: <\(envelope.messageID)@lethe.invalid>\r
            X-Lethe-Kind: \(envelope.kind)\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(envelope.body)\r

            """
        // The same message id always lands in the same file: a retried delivery overwrites, never duplicates.
        let name = "\(envelope.messageID).eml"
        let path = (folder as NSString).appendingPathComponent(name)
        let temporary = path + ".tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary,
                contents: Data(text.utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw JobFailure(message: "cannot write \(temporary)") }
        guard rename(temporary, path) == 0 else { throw JobFailure(message: "cannot move \(name) into \(folder)") }
    }
}

/// What one dispatch pass did.
public struct DispatchReport: Sendable, Equatable {
    public var delivered = 0
    public var failed = 0

    public init(delivered: Int = 0, failed: Int = 0) {
        self.delivered = delivered
        self.failed = failed
    }
}

/// Delivers queued messages: at least once (a crash after delivery and before recording delivers
/// again, under the same message id) and recorded once.
public struct OutboxDispatcher: Sendable {
    let store: any OutboxRepository
    let transport: any NotificationTransport
    let clock: any WallClock
    /// Where staff alerts (due soon, overdue) go.
    let officerAddress: String
    public var maxAttempts = 8

    public init(
        store: any OutboxRepository,
        transport: any NotificationTransport,
        clock: any WallClock,
        officerAddress: String
    ) {
        self.store = store
        self.transport = transport
        self.clock = clock
        self.officerAddress = officerAddress
    }

    public func dispatch(limit: Int = 100) async throws -> DispatchReport {
        var report = DispatchReport()
        for pending in try await store.claimMessages(limit: limit, now: clock.now(), claimFor: 300) {
            if try await deliver(pending) { report.delivered += 1 } else { report.failed += 1 }
        }
        return report
    }

    /// Removes what the transport kept of these outbox messages (see ``NotificationTransport/forget(messageIDs:)``).
    public func forget(outboxIDs: [Int64]) async throws {
        try await transport.forget(messageIDs: outboxIDs.map { "lethe-\($0)" })
    }

    /// Delivers one message now, if it is pending and due: the one a workflow waits for (the deletion
    /// confirmation before the erasure), whatever else is queued ahead of it.
    ///
    /// - Returns: whether this call delivered it.
    public func deliver(messageID: Int64) async throws -> Bool {
        guard let pending = try await store.claimMessage(messageID, now: clock.now(), claimFor: 300) else {
            return false
        }
        return try await deliver(pending)
    }

    private func deliver(_ pending: PendingMessage) async throws -> Bool {
        let (subject, body) = NotificationTemplates.render(pending.message)
        let envelope = Envelope(
            messageID: "lethe-\(pending.id)",
            kind: pending.message.kind,
            to: pending.message.recipient ?? officerAddress,
            subject: subject,
            body: body,
            parameters: pending.message.parameters,
            createdAt: pending.createdAt
        )
        do {
            try await transport.deliver(envelope)
            try await store.markDelivered(pending.id, at: clock.now())
            return true
        } catch {
            let delay = min(3600, 30 * pow(2, Double(pending.attempts)))
            try await store.markFailed(
                pending.id,
                error: String(describing: error),
                retryAt: clock.now().addingTimeInterval(delay),
                maxAttempts: maxAttempts
            )
            return false
        }
    }
}

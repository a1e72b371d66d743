import Foundation
import LetheCore
import LetheStore

/// A message ready to hand to a transport.
public struct Envelope: Sendable, Equatable {
    /// Stable across retries, so a receiver can drop duplicates (delivery is at least once).
    public let messageID: String
    /// What the message says, with its facts.
    public let notice: Notice
    /// Where it goes: the customer's email, the officers' address for staff alerts, or an agent's callback URL.
    public let to: String
    /// The subject line, from the notice's plain-language template.
    public let subject: String
    /// The plain-text body; may hold a one-time code or an address, so transports keep it no longer than needed.
    public let body: String
    /// When the message was queued, sent as its `Date` header.
    public let createdAt: Date

    /// The notice's kind, as stored and as sent in `X-Lethe-Kind`.
    public var kind: NoticeKind { notice.kind }

    /// The `Date` header (RFC 5322 §3.3): when the message was queued, in UTC. Both mail transports use it.
    var dateHeader: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: createdAt)
    }

    /// The `Message-ID` header: stable across retries, under the sending address's domain.
    func messageIDHeader(from sender: String) -> String {
        "<\(messageID)@\(sender.split(separator: "@").last.map(String.init) ?? "lethe.invalid")>"
    }
}

/// Plain-text renderings of each notice. Wording is deliberately plain: these are statutory notices a
/// customer must understand. The switch is exhaustive, so a new notice cannot go out without its words.
enum NotificationTemplates {
    /// The notice in words, signed by the controller: customers' notices end with who is responsible for
    /// their data and how to reach them (GDPR Art 13(1)(a)-(b), 15(1)); staff alerts and the machine
    /// bodies of Data Rights Protocol callbacks do not.
    static func render(_ notice: Notice, controller: DataController) -> (subject: String, body: String) {
        let (subject, text) = words(notice, controller: controller)
        var body = text
        switch notice {
        case .requestDueSoon, .requestOverdue, .requestNeedsSupervisor, .drpStatus: break
        default: body += "\n\n" + signature(controller)
        }
        return (subject, body)
    }

    /// Who sent it and how to reach them, as the last lines of a customer's notice.
    static func signature(_ controller: DataController) -> String {
        var lines = [
            "-- ",
            "\(controller.name), \(controller.postalAddress)",
            "Questions about your data: \(controller.email)",
        ]
        if let dpo = controller.dpoEmail { lines.append("Our data protection officer: \(dpo)") }
        lines.append("Privacy notice: \(controller.privacyNoticeURL)")
        lines.append("Your privacy center: \(controller.privacyCenterURL)")
        return lines.joined(separator: "\n")
    }

    static func words(_ notice: Notice, controller: DataController) -> (subject: String, body: String) {
        switch notice {
        case .welcome(let account):
            return ("Welcome", "Your account \(account) is open.")
        case .accountReactivated(let account):
            return (
                "Your account is active again",
                "We reactivated your account \(account) as you asked: you can sign in and use it again. "
                    + "If this was not you, contact us at once."
            )
        case .accountChanged(let fields):
            return (
                "Your account details were changed",
                "These details of your account changed: \(fields.joined(separator: ", ")). If this was not you, contact us at once."
            )
        case .verificationCode(let request, let code, let minutes):
            return (
                "Your verification code",
                "Your code for request \(request) is \(code). It expires in \(minutes) minutes. Never share it."
            )
        case .accountVerificationCode(let code, let minutes):
            return (
                "Your verification code",
                "Your code to confirm a change to your account is \(code). It expires in \(minutes) minutes. Never share it."
            )
        case .signInCode(let code, let minutes):
            return (
                "Your sign-in code",
                "Your code to sign in to the privacy center is \(code). It expires in \(minutes) minutes. "
                    + "Never share it. If you did not ask for it, ignore this message."
            )
        case .agentConfirmation(let request, let code, let minutes, let agent, let kind):
            let name = agent.isEmpty ? "an agent" : agent
            return (
                "Did you ask \(name) to act for you?",
                "\(agent.isEmpty ? "An agent" : agent) asked us, on your behalf, to carry out a \(kind.rawValue) request (\(request)). "
                    + "If you gave them permission, confirm it with this code: \(code). It expires in \(minutes) minutes. "
                    + "If you did not, ignore this message and nothing will happen."
            )
        case .receiptAcknowledgement(let request, let kind, let law, let respondBy):
            return (
                "We received your request \(request)",
                "We received your \(kind.rawValue) request \(request) under \(law). "
                    + "We will respond by \(respondBy). We may first need to confirm your identity."
            )
        case .extensionNotice(let request, let reason, let respondBy):
            return (
                "We need more time for request \(request)",
                "We are extending the time to respond to request \(request) until \(respondBy). Reason: \(reason)"
            )
        case .requestCompleted(let request, let kind, let summary):
            var body = "We have completed your \(kind.rawValue) request \(request). \(summary)"
            if kind == .export {
                body +=
                    "\n\nTo download it: sign in at \(controller.privacyCenterURL) with this email address, open request "
                    + "\(request) and choose Download. You get a ZIP file; open index.html in it to read your data in a "
                    + "browser, or use data.json and the CSV files to take it elsewhere."
            }
            return ("Request \(request) is complete", body)
        case .requestDenied(let request, let basis, let reason, let complainTo, let complainAt):
            return (
                "We cannot act on request \(request)",
                "We cannot act on request \(request) because \(basis.plainWords). \(reason)\n\n"
                    + "You have the right to complain to \(complainTo.isEmpty ? "the supervisory authority" : complainTo) (\(complainAt)) "
                    + "and to seek a judicial remedy."
            )
        case .requestDueSoon(let request, let due, let daysLeft, let assignee, let level):
            return (
                "Request \(request) is due \(due) (\(daysLeft) days)",
                "Request \(request), assigned to \(assignee), is due \(due). Alert level: \(level)."
            )
        case .requestOverdue(let request, let due, _, let assignee, _):
            return (
                "OVERDUE: request \(request) was due \(due)",
                "Request \(request), assigned to \(assignee), is past its legal deadline of \(due)."
            )
        case .deemedRefusal(let request, let due, let citation, let complainTo, let complainAt):
            return (
                "We did not answer request \(request) in time",
                "We did not answer your request \(request) by \(due), the date the law sets. The law treats this "
                    + "as a refusal (\(citation)), so you may now apply to \(complainTo) (\(complainAt)) to have it "
                    + "reviewed. We are still working on your request and will answer it."
            )
        case .requestNeedsSupervisor(let request, let reason):
            return (
                "Request \(request) needs a supervisor",
                "Request \(request) was put in the supervisor queue: \(reason)."
            )
        case .deletionScheduled(let request, let eraseOn):
            return (
                "Your account will be deleted on \(eraseOn)",
                "We will delete your account on \(eraseOn) (request \(request)). Until then you can cancel the deletion."
            )
        case .deletionConfirmation(let request):
            return (
                "Your account is being deleted",
                "We are now deleting your account and data (request \(request)). After this message we can no longer contact you. "
                    + "Records the law requires us to keep (such as invoices) are kept without your contact details, then deleted."
            )
        case .drpStatus(let request, _, let body):
            return ("Data Rights Protocol status for \(request)", body)
        }
    }
}

/// Delivers envelopes somewhere a person or system will read them.
public protocol NotificationTransport: Sendable {
    /// Sends one message. Throwing leaves it in the outbox to be retried with backoff under the same id.
    func deliver(_ envelope: Envelope) async throws
    /// Removes what the transport kept of these messages, for a customer being erased. A transport that
    /// keeps nothing (a webhook: the receiver has it) does nothing.
    func forget(messageIDs: [String]) async throws
}

extension NotificationTransport {
    /// Keeps nothing, so forgets nothing: the default for transports that do not store messages.
    public func forget(messageIDs: [String]) async throws {}
}

/// Writes each message as an RFC 5322 `.eml` file in a folder: the embedded default, for development
/// and for a mail relay that picks files up. Files are created 0600 (they hold codes and addresses).
public struct MailFolderTransport: NotificationTransport {
    /// The spool folder the `.eml` files are written to (created 0700 on first delivery).
    public let folder: String
    /// The `From` address of every message.
    public let from: String

    /// A transport spooling to `folder`; set `from` to the privacy team's real sending address.
    public init(folder: String, from: String = DataController.unconfigured.email) {
        self.folder = folder
        self.from = from
    }

    /// Deletes the spool files of these messages (an erased customer's notices: their address and
    /// codes must not outlive them in the folder).
    /// - Throws: a `CocoaError` when a file exists but cannot be removed.
    public func forget(messageIDs: [String]) async throws {
        for id in messageIDs {
            let path = (folder as NSString).appendingPathComponent("\(id).eml")
            if unlink(path) != 0, errno != ENOENT {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
    }

    /// Writes the message to `<message id>.eml`, through a temporary file and a rename, so a reader never
    /// sees half a message.
    ///
    /// - Throws: `JobFailure` when the file cannot be written or moved; a `CocoaError` for the folder.
    public func deliver(_ envelope: Envelope) async throws {
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let text = """
            From: \(from)\r
            To: \(envelope.to)\r
            Subject: \(envelope.subject)\r
            Date: \(envelope.dateHeader)\r
            Message-ID: \(envelope.messageIDHeader(from: from))\r
            X-Lethe-Kind: \(envelope.kind.rawValue)\r
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
    /// Messages handed to the transport and recorded as delivered.
    public var delivered = 0
    /// Messages the transport refused; each waits with backoff, and is given up after the last attempt.
    public var failed = 0

    /// A report with the given counts (zero by default).
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
    /// Who signs customers' notices; the runtime sets it from `Policies/controller.yaml`.
    public var controller: DataController = .unconfigured
    /// Attempts before a message is given up as failed; retries wait 30 seconds doubling to an hour.
    public var maxAttempts = 8

    /// Creates a dispatcher for the outbox in `store`; staff alerts without a recipient go to `officerAddress`.
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

    /// Claims up to `limit` due messages and delivers each once; a failed delivery is recorded, not thrown.
    ///
    /// - Throws: the store's errors (`StoreError`) when messages cannot be claimed or their outcome recorded.
    public func dispatch(limit: Int = 100) async throws -> DispatchReport {
        var report = DispatchReport()
        for pending in try await store.claimMessages(limit: limit, now: clock.now(), claimFor: 300) {
            if try await deliver(pending) { report.delivered += 1 } else { report.failed += 1 }
        }
        return report
    }

    /// Removes what the transport kept of these outbox messages (see ``NotificationTransport/forget(messageIDs:)``).
    /// - Throws: whatever the transport throws (a `CocoaError` from ``MailFolderTransport``).
    public func forget(outboxIDs: [Int64]) async throws {
        try await transport.forget(messageIDs: outboxIDs.map { "lethe-\($0)" })
    }

    /// Delivers one message now, if it is pending and due: the one a workflow waits for (the deletion
    /// confirmation before the erasure), whatever else is queued ahead of it.
    ///
    /// - Returns: whether this call delivered it.
    /// - Throws: the store's errors (`StoreError`); a transport failure is recorded and answers `false`.
    public func deliver(messageID: Int64) async throws -> Bool {
        guard let pending = try await store.claimMessage(messageID, now: clock.now(), claimFor: 300) else {
            return false
        }
        return try await deliver(pending)
    }

    private func deliver(_ pending: PendingMessage) async throws -> Bool {
        let (subject, body) = NotificationTemplates.render(pending.message.notice, controller: controller)
        let envelope = Envelope(
            messageID: "lethe-\(pending.id)",
            notice: pending.message.notice,
            to: pending.message.recipient ?? officerAddress,
            subject: subject,
            body: body,
            createdAt: pending.createdAt
        )
        do {
            try await transport.deliver(envelope)
            try await store.markDelivered(pending.id, at: clock.now())
            return true
        } catch let failure as any PermanentDeliveryFailure where failure.bounce != nil {
            // A bounce: the server refused for good, so the message fails now, with why, and is not retried.
            try await store.markFailed(
                pending.id,
                error: failure.bounce ?? "bounced",
                retryAt: clock.now(),
                maxAttempts: 0
            )
            return false
        } catch {
            let delay = min(3600, 30 * pow(2, Double(pending.attempts)))
            try await store.markFailed(
                pending.id,
                error: SafeErrorText.describe(error),
                retryAt: clock.now().addingTimeInterval(delay),
                maxAttempts: maxAttempts
            )
            return false
        }
    }
}

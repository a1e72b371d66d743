import Foundation
import LetheCore
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers notices to a mail server over SMTP (RFC 5321), configured by ``SMTPSettings``.
///
/// One connection per message: the outbox already retries with backoff and delivers a message once,
/// so the transport stays simple and a failure affects one notice. A 4xx answer or a broken
/// connection throws ``SMTPFailure`` and the outbox tries again later; a 5xx answer (the server refuses
/// the sender, the recipient or the message for good) is a bounce: recorded on the outbox row and not
/// retried. Headers carry the recipient's address and nothing else personal; the body travels base64
/// encoded inside the TLS session.
public struct SMTPTransport: NotificationTransport {
    /// Where the server is and how to reach it.
    public let settings: SMTPSettings
    /// The `From` address and envelope sender (bounces come back to it).
    public let from: String
    let tls: NIOSSLContext?

    /// A transport for `settings`, sending as `from`.
    ///
    /// - Throws: ``SMTPSettingsError`` when the trust roots cannot be read.
    public init(settings: SMTPSettings, from: String) throws {
        self.settings = settings
        self.from = from
        guard settings.security != .none else {
            tls = nil
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let file = settings.trustRootsFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw SMTPSettingsError("ca: cannot read PEM certificates from \(file)")
            }
        }
        do {
            tls = try NIOSSLContext(configuration: configuration)
        } catch {
            throw SMTPSettingsError("cannot set up TLS for the mail server")
        }
    }

    /// Sends one message in one SMTP session.
    ///
    /// - Throws: ``SMTPFailure``: ``SMTPFailure/isPermanent`` for a bounce, otherwise retried.
    public func deliver(_ envelope: Envelope) async throws {
        let message = Self.message(envelope, from: from)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await session(to: envelope.to, message: message) }
            group.addTask {
                try await Task.sleep(for: settings.timeout)
                throw SMTPFailure.timedOut
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// The RFC 5322 message: headers with nothing personal but the recipient, the body base64 in
    /// 76-character lines, so any server carries it unchanged.
    static func message(_ envelope: Envelope, from: String) -> String {
        let body = Data(envelope.body.utf8).base64EncodedString(
            options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]
        )
        let headers = [
            "From: \(from)",
            "To: \(envelope.to)",
            "Subject: \(encodedWord(envelope.subject))",
            "Date: \(envelope.dateHeader)",
            "Message-ID: \(envelope.messageIDHeader(from: from))",
            // Automatic notices (RFC 3834): auto-responders must not answer them.
            "Auto-Submitted: auto-generated",
            "X-Lethe-Kind: \(envelope.kind.rawValue)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }

    /// A header value as it may travel: plain ASCII as it is, anything else as an RFC 2047 encoded word.
    static func encodedWord(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) { return flat }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    /// Connects, says what SMTP needs said, and closes, whatever happens.
    private func session(to recipient: String, message: String) async throws {
        guard !recipient.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" }) else {
            throw SMTPFailure.rejected(code: 501, stage: .recipient, status: nil)
        }
        let replies = AsyncThrowingStream<SMTPReply, any Error>.makeStream()
        let implicitTLS = settings.security == .implicitTLS ? tls : nil
        let host = settings.host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: implicitTLS, serverHostname: Self.sniName(host))
                            )
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyForwarder(replies.continuation))
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
        } catch {
            throw SMTPFailure.unreachable
        }
        var conversation = SMTPConversation(channel: channel, replies: replies.stream.makeAsyncIterator())
        do {
            try await speak(&conversation, to: recipient, message: message)
            channel.close(promise: nil)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// The dialogue of RFC 5321 §3, with STARTTLS (RFC 3207) and AUTH (RFC 4954) where configured.
    private func speak(_ smtp: inout SMTPConversation, to recipient: String, message: String) async throws {
        try await smtp.expect(220, at: .greeting)
        var capabilities = try await smtp.command("EHLO \(settings.heloName)", expect: 250, at: .hello)
        if settings.security == .startTLS {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }), let tls else {
                throw SMTPFailure.noStartTLS
            }
            _ = try await smtp.command("STARTTLS", expect: 220, at: .startTLS)
            let host = settings.host
            let channel = smtp.channel
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)),
                    position: .first
                )
            }.get()
            // Everything said before the upgrade is forgotten (RFC 3207 §4.2): ask again.
            capabilities = try await smtp.command("EHLO \(settings.heloName)", expect: 250, at: .hello)
        }
        if let username = settings.username, let password = settings.password {
            let mechanisms =
                capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased()
                .split(separator: " ").dropFirst().map(String.init) ?? []
            if mechanisms.contains("PLAIN") {
                let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                _ = try await smtp.command("AUTH PLAIN \(token)", expect: 235, at: .authentication)
            } else if mechanisms.contains("LOGIN") {
                _ = try await smtp.command("AUTH LOGIN", expect: 334, at: .authentication)
                _ = try await smtp.command(Data(username.utf8).base64EncodedString(), expect: 334, at: .authentication)
                _ = try await smtp.command(Data(password.utf8).base64EncodedString(), expect: 235, at: .authentication)
            } else {
                throw SMTPFailure.noAuthentication
            }
        }
        _ = try await smtp.command("MAIL FROM:<\(from)>", expect: 250, at: .sender)
        _ = try await smtp.command("RCPT TO:<\(recipient)>", expect: 250, also: [251], at: .recipient)
        _ = try await smtp.command("DATA", expect: 354, at: .data)
        // Dot-stuffing (RFC 5321 §4.5.2): a line that starts with a dot gets a second one.
        let stuffed = message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }
            .joined(separator: "\r\n")
        _ = try await smtp.command(stuffed + ".", expect: 250, at: .data)
        _ = try? await smtp.command("QUIT", expect: 221, at: .quit)
    }

    /// The name the certificate is checked against; an IP address is checked without SNI.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? nil : host
    }
}

/// Why a message did not reach the mail server. Names the stage and the server's codes, never its
/// words (which may repeat an address) or the password.
public enum SMTPFailure: Error, Equatable, CustomStringConvertible {
    /// Where in the dialogue it went wrong.
    public enum Stage: String, Sendable {
        case greeting, hello, startTLS = "starttls", authentication, sender, recipient, data, quit
    }

    /// The server answered with this code (and enhanced status, RFC 3463, when it gave one).
    case rejected(code: Int, stage: Stage, status: String?)
    /// The server could not be reached.
    case unreachable
    /// The server closed the connection or sent something that is not SMTP.
    case connectionLost
    /// STARTTLS is required and the server does not offer it: nothing was sent.
    case noStartTLS
    /// A user is configured and the server offers neither AUTH PLAIN nor AUTH LOGIN.
    case noAuthentication
    /// The delivery took longer than the configured timeout.
    case timedOut
    /// TLS could not be set up: most often a certificate that no trusted authority vouches for, or
    /// one for another host. Nothing was sent.
    case tlsFailed

    /// A bounce: the server refused for good (5xx on the sender, the recipient or the message), so
    /// retrying would only repeat it. Authentication refusals are not bounces: the configuration is
    /// wrong, and a fixed one should deliver what waited.
    public var isPermanent: Bool {
        if case .rejected(let code, let stage, _) = self {
            return code >= 500 && [.sender, .recipient, .data].contains(stage)
        }
        return false
    }

    public var description: String {
        switch self {
        case .rejected(let code, let stage, let status):
            return "mail server answered \(code)\(status.map { " \($0)" } ?? "") at \(stage.rawValue)"
        case .unreachable: return "mail server unreachable"
        case .connectionLost: return "mail server closed the connection"
        case .noStartTLS: return "mail server does not offer STARTTLS, which LETHE_SMTP_URL requires; nothing was sent"
        case .noAuthentication: return "mail server offers no AUTH PLAIN or LOGIN for the configured user"
        case .timedOut: return "mail delivery timed out"
        case .tlsFailed:
            return
                "TLS with the mail server failed (is its certificate trusted? see ca= in LETHE_SMTP_URL); nothing was sent"
        }
    }
}

extension SMTPFailure: PermanentDeliveryFailure {
    /// What the outbox records for a bounce.
    public var bounce: String? { isPermanent ? "bounced: \(description)" : nil }
}

/// A delivery failure that retrying cannot fix: the outbox records it and stops trying.
public protocol PermanentDeliveryFailure: Error {
    /// The reason to record when the failure is permanent; nil when it is worth retrying.
    var bounce: String? { get }
}

/// One reply: its code and the text of each line (the first line's, then any continuation lines').
struct SMTPReply: Sendable {
    let code: Int
    let lines: [String]

    /// The enhanced status code (RFC 3463) at the start of the first line, e.g. `5.1.1`.
    var status: String? {
        guard let first = lines.first?.split(separator: " ").first else { return nil }
        let parts = first.split(separator: ".")
        guard parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        return String(first)
    }
}

/// Reads the server's lines into replies: `250-...` continues, `250 ...` ends one (RFC 5321 §4.2.1).
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            // A line longer than any server sends is not SMTP.
            if buffer.readableBytes > 4096 { throw SMTPFailure.connectionLost }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        guard let raw = buffer.readString(length: length) else { return .needMoreData }
        // "\r\n" is one Character in Swift: trim by scalars, not by `hasSuffix("\n")`.
        let line = raw.trimmingCharacters(in: .newlines)
        let digits = line.prefix(3)
        guard digits.count == 3, let code = Int(digits) else { throw SMTPFailure.connectionLost }
        let separator = line.dropFirst(3).first
        lines.append(String(line.dropFirst(4)))
        if separator != "-" {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
            lines = []
        }
        return .continue
    }
}

/// Hands each reply to the conversation waiting for it; an error or a closed connection ends the stream.
final class SMTPReplyForwarder: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    private let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let tls = error is NIOSSLError || error is BoringSSLError
        continuation.finish(throwing: tls ? SMTPFailure.tlsFailed : SMTPFailure.connectionLost)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish(throwing: SMTPFailure.connectionLost)
    }
}

/// The client's side of the dialogue: write a line, wait for the reply, check its code.
struct SMTPConversation {
    let channel: any Channel
    var replies: AsyncThrowingStream<SMTPReply, any Error>.AsyncIterator

    /// Waits for the next reply and checks it is `code` (or one of `also`).
    @discardableResult
    mutating func expect(_ code: Int, also: [Int] = [], at stage: SMTPFailure.Stage) async throws -> [String] {
        guard let reply = try await replies.next() else { throw SMTPFailure.connectionLost }
        guard reply.code == code || also.contains(reply.code) else {
            throw SMTPFailure.rejected(code: reply.code, stage: stage, status: reply.status)
        }
        return reply.lines
    }

    /// Sends one line and waits for its reply.
    mutating func command(
        _ line: String,
        expect code: Int,
        also: [Int] = [],
        at stage: SMTPFailure.Stage
    ) async throws -> [String] {
        do {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
        } catch {
            // The connection failed under the write: the reply stream holds why (a TLS refusal, say).
            _ = try await replies.next()
            throw SMTPFailure.connectionLost
        }
        return try await expect(code, also: also, at: stage)
    }
}

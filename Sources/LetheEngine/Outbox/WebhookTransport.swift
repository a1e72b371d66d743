import Foundation
import LetheCrypto

/// Delivers each message as an HTTP POST of JSON, signed so the receiver can trust it:
/// `Lethe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
/// A non-2xx answer is a failure the dispatcher retries with backoff; `Lethe-Message-Id` stays the
/// same across retries so the receiver can drop duplicates.
public struct WebhookTransport: NotificationTransport {
    /// The receiver's endpoint; every notice is POSTed here.
    public let url: URL
    let secret: SecretBytes
    let timeout: TimeInterval

    /// Creates a webhook to `url`, signing with `secret` (shared with the receiver); a POST that takes
    /// longer than `timeout` seconds fails and is retried.
    public init(url: URL, secret: SecretBytes, timeout: TimeInterval = 10) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
    }

    struct Payload: Encodable {
        let id: String
        let kind: String
        let to: String
        let subject: String
        let body: String
        let parameters: [String: String]
        let createdAt: Date
    }

    /// The signature header for `body` sent at `timestamp`.
    /// - Throws: `CryptoError` when OpenSSL cannot compute the HMAC.
    public static func signature(secret: SecretBytes, timestamp: Int, body: Data) throws -> String {
        let mac = try HMACSHA256(key: secret).authenticate(Array("\(timestamp).".utf8) + Array(body))
        return "t=\(timestamp),v1=" + mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// POSTs the envelope, with the notice's parameters, as signed JSON.
    ///
    /// - Throws: `JobFailure` for a non-2xx answer, `URLError` when the receiver cannot be reached,
    ///   `CryptoError` when signing fails.
    public func deliver(_ envelope: Envelope) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(
            Payload(
                id: envelope.messageID,
                kind: envelope.kind.rawValue,
                to: envelope.to,
                subject: envelope.subject,
                body: envelope.body,
                parameters: envelope.notice.parameters,
                createdAt: envelope.createdAt
            )
        )
        try await SignedPost.send(
            body,
            to: url,
            secret: secret,
            messageID: envelope.messageID,
            at: Date(),
            timeout: timeout
        )
    }
}

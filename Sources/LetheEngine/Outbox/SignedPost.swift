import Foundation
import LetheCrypto

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The one way Lethe POSTs to another system: JSON, a stable `Lethe-Message-Id` for de-duplication,
/// and `Lethe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
enum SignedPost {
    /// Sends `body`; returns the status, or throws unless it is 2xx. The error names the status only:
    /// a receiver's error page could echo personal data back.
    @discardableResult
    static func send(
        _ body: Data,
        to url: URL,
        secret: SecretBytes,
        messageID: String,
        at instant: Date,
        timeout: TimeInterval = 10
    )
        async throws -> Int
    {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(messageID, forHTTPHeaderField: "Lethe-Message-Id")
        request.setValue(
            try WebhookTransport.signature(secret: secret, timestamp: Int(instant.timeIntervalSince1970), body: body),
            forHTTPHeaderField: "Lethe-Signature"
        )
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw JobFailure(message: "the receiver answered \(status)") }
        return status
    }
}

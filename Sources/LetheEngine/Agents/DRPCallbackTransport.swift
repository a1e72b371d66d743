import Foundation
import LetheCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Delivers a DRP status callback (DRP 1.0 §2.03): the Exercise Status object POSTed as JSON to the
/// agent's `status_callback`. Any 2xx is success and its body is discarded; anything else is a
/// failure the outbox retries with backoff. The spec defines no authentication for callbacks.
public struct DRPCallbackTransport: NotificationTransport {
    let timeout: TimeInterval

    /// Creates the transport; a callback that takes longer than `timeout` seconds counts as failed.
    public init(timeout: TimeInterval = 10) { self.timeout = timeout }

    /// POSTs the status body to the callback URL in `envelope.to`.
    ///
    /// - Throws: `JobFailure` when the message has no URL or body or the agent answers other than 2xx;
    ///   `URLError` when the agent cannot be reached.
    public func deliver(_ envelope: Envelope) async throws {
        guard let url = URL(string: envelope.to), case .drpStatus(_, _, let body) = envelope.notice else {
            throw JobFailure(message: "a status callback without a URL or a body")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw JobFailure(message: "the agent answered \(status)") }
    }
}

/// Sends each message kind through the transport made for it: callbacks to agents over HTTP,
/// everything else through the default (mail).
public struct RoutingTransport: NotificationTransport {
    let fallback: any NotificationTransport
    let routes: [NoticeKind: any NotificationTransport]

    /// Creates a router: messages of a kind in `routes` go to its transport, all others to `fallback`.
    public init(_ fallback: any NotificationTransport, routes: [NoticeKind: any NotificationTransport]) {
        self.fallback = fallback
        self.routes = routes
    }

    /// Hands the message to the transport for its kind.
    ///
    /// - Throws: whatever that transport throws (`JobFailure` from Lethe's own transports).
    public func deliver(_ envelope: Envelope) async throws {
        try await (routes[envelope.kind] ?? fallback).deliver(envelope)
    }

    /// Asks every transport behind the router to forget the messages: the router does not know which
    /// kind each id was, and a transport that kept nothing of them does nothing.
    ///
    /// - Throws: the first error a transport throws (`CocoaError` when a spool file cannot be removed).
    public func forget(messageIDs: [String]) async throws {
        try await fallback.forget(messageIDs: messageIDs)
        for transport in routes.values { try await transport.forget(messageIDs: messageIDs) }
    }
}

import Foundation
import LetheCore
import LetheEngine

/// What the dashboard and the privacy center share: the server's dependencies, and the services and
/// helpers derived from them.
protocol PageRoutes: Sendable {
    /// The server's shared dependencies, handed to each route collection at start.
    var dependencies: ServerDependencies { get }
}

extension PageRoutes {
    /// The open store, policies and clock.
    var runtime: Runtime { dependencies.runtime }
    /// Sign-in and sessions, for the sign-in pages and CSRF tokens.
    var access: AccessService { dependencies.access }
    /// The templates pages are rendered from.
    var pages: Pages { dependencies.pages }
    /// Asks for a delivery pass after an action queued a notice, so customers hear promptly.
    var outbox: OutboxNudge { dependencies.outbox }
    /// The request service every page action goes through, with the same rules as the CLI and the API.
    var requests: RequestService { runtime.requests() }
    /// Today in UTC, as the queue and the API count days left.
    var today: LocalDate { LocalDate(instant: runtime.clock.now(), in: TimeZone(identifier: "UTC") ?? .current) }

    /// A session cookie: never readable by scripts, never sent cross-site, `Secure` unless turned off.
    func sessionCookie(_ name: String, _ value: String, path: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (dependencies.settings.secureCookies ? "; Secure" : "")
    }
}

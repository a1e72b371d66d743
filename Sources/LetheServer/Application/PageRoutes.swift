import Foundation
import LetheCore
import LetheEngine

/// What the dashboard and the privacy center share: the server's dependencies, and the services and
/// helpers derived from them.
protocol PageRoutes: Sendable {
    var dependencies: ServerDependencies { get }
}

extension PageRoutes {
    var runtime: Runtime { dependencies.runtime }
    var access: AccessService { dependencies.access }
    var pages: Pages { dependencies.pages }
    var outbox: OutboxNudge { dependencies.outbox }
    var requests: RequestService { runtime.requests() }
    /// Today in UTC, as the queue and the API count days left.
    var today: LocalDate { LocalDate(instant: runtime.clock.now(), in: TimeZone(identifier: "UTC") ?? .current) }

    /// A session cookie: never readable by scripts, never sent cross-site, `Secure` unless turned off.
    func sessionCookie(_ name: String, _ value: String, path: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (dependencies.settings.secureCookies ? "; Secure" : "")
    }
}

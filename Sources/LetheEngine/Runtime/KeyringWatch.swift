import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging
import ServiceLifecycle

/// Keeps a long-running process (`lethe serve`, `lethe worker`) in step with a rotation while it serves:
/// every few seconds it re-reads the key file when it changed (picking up a staged version, or dropping a
/// retired one), follows the primary chosen in the database, and announces the versions it holds, so a
/// rotation promotes a new version only once every running process can open what it wraps.
public struct KeyringWatch: Service {
    let keys: KeyAdministration
    let configuration: RuntimeConfiguration
    let clock: any WallClock
    /// How this process is named in `key_holders`: `ROLE@HOST:PID`.
    public let node: String
    let interval: Duration
    let logger: Logger

    /// A watch for `runtime`, announcing itself as `role@host:pid`.
    public init(
        runtime: Runtime,
        role: String,
        interval: Duration = .seconds(5),
        logger: Logger = Logger(label: "lethe.keys")
    ) {
        keys = runtime.keys
        configuration = runtime.configuration
        clock = runtime.clock
        node = "\(role)@\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        self.interval = interval
        self.logger = logger
    }

    /// Refreshes until graceful shutdown, then withdraws the announcement.
    public func run() async throws {
        var seen = modified()
        while !Task.isShuttingDownGracefully {
            do {
                let stamp = modified()
                // Only a key file can change under a running process; the environment cannot.
                if !configuration.keysFromEnvironment, stamp != seen {
                    seen = stamp
                    let reread = try MasterKeyring.load(file: configuration.keyFile)
                    await keys.use(reread)
                    logger.notice("key file re-read", metadata: ["versions": "\(reread.versions)"])
                }
                try await refresh()
            } catch {
                // The process keeps the keyring it has; a rotation waits for it until the next refresh works.
                logger.error("keyring refresh failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        try? await keys.withdraw(node: node)
    }

    /// Follows the promoted primary and announces what this process holds.
    func refresh() async throws {
        try await keys.followPromotedPrimary()
        try await keys.announce(node: node, at: clock.now())
    }

    private func modified() -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: configuration.keyFile))?[.modificationDate] as? Date
    }
}

import Foundation

/// How `lethe serve` listens and what it allows, after flags, `LETHE_*` variables and the optional
/// configuration file have been merged (in that order of precedence).
public struct ServerSettings: Sendable {
    /// The address to listen on; the loopback default keeps a development server off the network.
    public var host: String
    /// The TCP port; 0 lets the system pick a free one (printed at start).
    public var port: Int
    /// Bodies larger than this are refused (413) before they are read, let alone parsed.
    public var maxBodyBytes: Int
    /// Sets `Secure` on cookies; on by default, off only for plain-HTTP development on loopback.
    public var secureCookies: Bool

    /// Settings with the documented defaults: 127.0.0.1:8080, 64 KiB bodies, secure cookies.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxBodyBytes: Int = 64 * 1024,
        secureCookies: Bool = true
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.secureCookies = secureCookies
    }
}

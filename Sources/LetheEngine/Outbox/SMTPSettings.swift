import Foundation

/// Where and how notices are handed to a mail server, from one URL (`LETHE_SMTP_URL`):
///
/// ```text
/// smtp://USER:PASSWORD@mail.example.com:587          STARTTLS required (the default), then AUTH
/// smtps://USER:PASSWORD@mail.example.com:465         TLS from the first byte
/// smtp://127.0.0.1:2525?starttls=off                 plain text: on a loopback relay only
/// smtp://mail.example.com?timeout=20&ca=/etc/lethe/relay-ca.pem&helo=lethe.example.com
/// ```
///
/// The password is percent-decoded and never printed: ``description`` leaves it out.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is protected.
    public enum Security: Sendable, Equatable {
        /// Upgrade with STARTTLS before anything else is said; a server that does not offer it is refused.
        case startTLS
        /// TLS from the first byte (`smtps://`).
        case implicitTLS
        /// No TLS: allowed only to a relay on this machine, where nothing crosses a network.
        case none
    }

    /// The server's host name or address; the certificate is checked against it.
    public var host: String
    /// The server's port: 587 for `smtp://`, 465 for `smtps://` unless given.
    public var port: Int
    /// How the connection is protected.
    public var security: Security
    /// The account to authenticate as, if the server wants one.
    public var username: String?
    /// The account's password (percent-decoded from the URL).
    public var password: String?
    /// How long one whole delivery may take, connection included, before it fails and is retried.
    public var timeout: Duration
    /// A PEM file of extra certificate authorities to trust (a private relay's own CA); the system's
    /// roots otherwise.
    public var trustRootsFile: String?
    /// The name this side gives in `EHLO`.
    public var heloName: String

    /// Reads the URL.
    ///
    /// - Throws: ``SMTPSettingsError`` naming what is wrong (never echoing the password).
    public init(url text: String) throws(SMTPSettingsError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps"
        else { throw SMTPSettingsError("LETHE_SMTP_URL must be an smtp:// or smtps:// URL") }
        guard let host = components.host, !host.isEmpty else {
            throw SMTPSettingsError("LETHE_SMTP_URL names no host")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        security = scheme == "smtps" ? .implicitTLS : .startTLS
        port = components.port ?? (scheme == "smtps" ? 465 : 587)
        guard (1...65_535).contains(port) else { throw SMTPSettingsError("LETHE_SMTP_URL has an impossible port") }
        username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap {
            $0.isEmpty ? nil : $0
        }
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        if username != nil, password == nil {
            throw SMTPSettingsError("LETHE_SMTP_URL names a user without a password")
        }
        timeout = .seconds(30)
        heloName = "localhost"
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "starttls":
                switch value {
                case "required": security = scheme == "smtps" ? .implicitTLS : .startTLS
                case "off":
                    guard scheme == "smtp" else { throw SMTPSettingsError("starttls=off makes no sense with smtps://") }
                    security = .none
                default: throw SMTPSettingsError("starttls is 'required' or 'off'")
                }
            case "timeout":
                guard let seconds = Int(value), (1...600).contains(seconds) else {
                    throw SMTPSettingsError("timeout is whole seconds, 1 to 600")
                }
                timeout = .seconds(seconds)
            case "ca":
                guard !value.isEmpty else { throw SMTPSettingsError("ca names a PEM file") }
                trustRootsFile = value
            case "helo":
                guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
                else { throw SMTPSettingsError("helo is a host name") }
                heloName = value
            default:
                throw SMTPSettingsError("unknown LETHE_SMTP_URL setting '\(item.name)' (starttls, timeout, ca, helo)")
            }
        }
        // Without TLS, addresses, codes and the password would cross the network in clear.
        if security == .none, !Self.isLoopback(self.host) {
            throw SMTPSettingsError(
                "starttls=off is allowed only for a relay on this machine (127.0.0.1, ::1 or localhost), not \(self.host)"
            )
        }
    }

    /// Whether `host` is this machine.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The settings without the password, for logs and `lethe` output.
    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.map { "\($0)@" } ?? ""
        let tls = security == .none ? "?starttls=off" : ""
        return "\(scheme)://\(user)\(host):\(port)\(tls)"
    }
}

/// Why `LETHE_SMTP_URL` cannot be used.
public struct SMTPSettingsError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

import LetheStore
import Testing

@Suite("PostgreSQL connection URLs")
struct PostgresSettingsTests {
    @Test("A full URL reads as libpq reads it, and the redacted form never shows the password")
    func fullURL() throws {
        let settings = try PostgresSettings(
            url:
                "postgres://lethe:s%40cret@db.internal:6543/privacy?sslmode=verify-full&sslrootcert=/etc/ca.pem&pool_size=25"
        )
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.username == "lethe")
        #expect(settings.password == "s@cret")
        #expect(settings.database == "privacy")
        #expect(settings.tls == .verifyFull)
        #expect(settings.rootCertificates == "/etc/ca.pem")
        #expect(settings.poolSize == 25)
        #expect(settings.redacted == "postgres://lethe@db.internal:6543/privacy?sslmode=verify-full")
        #expect(!settings.redacted.contains("cret"))
    }

    @Test("Defaults: port 5432, TLS preferred, ten connections, the user's own database; a socket directory")
    func defaults() throws {
        let plain = try PostgresSettings(url: "postgresql://app@localhost")
        #expect(plain.port == 5432)
        #expect(plain.tls == .prefer)
        #expect(plain.poolSize == 10)
        #expect(plain.database == "app")
        let socket = try PostgresSettings(url: "postgres://lethe@/lethe?host=/var/run/postgresql")
        #expect(socket.socketDirectory == "/var/run/postgresql")
        #expect(socket.redacted == "postgres://lethe@[/var/run/postgresql]:5432/lethe?sslmode=prefer")
    }

    @Test(
        "Bad URLs are refused with the part that is wrong, never the password",
        arguments: [
            ("mysql://u:topsecret@h/db", "expected postgres://"),
            ("postgres://u:topsecret@h/db?sslmode=maybe", "sslmode"),
            ("postgres://u:topsecret@h/db?pool_size=0", "pool_size"),
            ("postgres://u:topsecret@h/db?pool_size=many", "pool_size"),
            ("postgres://u:topsecret@h/db?poolsize=5", "unknown parameter poolsize"),
            ("postgres://u:topsecret@h/db?connect_timeout=-1", "connect_timeout"),
        ]
    )
    func refused(url: String, names: String) {
        do {
            _ = try PostgresSettings(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect("\(error)".contains(names))
            #expect(!"\(error)".contains("topsecret"))
        }
    }
}

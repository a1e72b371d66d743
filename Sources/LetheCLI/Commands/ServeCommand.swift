import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import LetheCore
import LetheCrypto
import LetheEngine
import LetheServer
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import SystemPackage
import UnixSignals

/// `lethe serve`: the JSON API, the officer dashboard and the customer privacy center.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the JSON API, the officer dashboard and the privacy center (with the worker in-process).",
        discussion: """
            Settings come from flags, then LETHE_* environment variables, then the optional --config file \
            (YAML), then defaults: http.host (LETHE_HTTP_HOST, 127.0.0.1), http.port (LETHE_HTTP_PORT, 8080), \
            http.max-body-bytes (LETHE_HTTP_MAX_BODY_BYTES, 65536), http.secure-cookies \
            (LETHE_HTTP_SECURE_COOKIES, true), worker.enabled (LETHE_WORKER_ENABLED, true), \
            worker.interval (LETHE_WORKER_INTERVAL, 10 seconds). SIGTERM or SIGINT stops accepting \
            connections and lets requests in flight finish.
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080; 0 picks a free one).") var port: Int?
    @Option(help: "A YAML configuration file.") var config: String?
    @Flag(help: "Start on demo data (loaded on first start) with a printed officer sign-in; plain-HTTP cookies.")
    var demo = false
    @Flag(inversion: .prefixedNo, help: "Run jobs, notices, the deadline watch and the purge in this process.")
    var worker: Bool?

    /// Reads the settings, opens the runtime, re-erases anyone a restored backup brought back, then serves
    /// (with the worker unless turned off) until SIGTERM or SIGINT; a setting out of range exits 2.
    func run() async throws {
        let reader = try await configurationReader()
        var settings = ServerSettings()
        settings.host = reader.string(forKey: "http.host", default: settings.host)
        settings.port = reader.int(forKey: "http.port", default: settings.port)
        settings.maxBodyBytes = reader.int(forKey: "http.max-body-bytes", default: settings.maxBodyBytes)
        settings.secureCookies = reader.bool(forKey: "http.secure-cookies", default: !demo)
        guard (0...65_535).contains(settings.port) else { throw CLIError.badInput("the port must be 0 to 65535") }
        guard (1024...10_485_760).contains(settings.maxBodyBytes) else {
            throw CLIError.badInput("http.max-body-bytes must be 1024 to 10485760")
        }
        let runWorker = reader.bool(forKey: "worker.enabled", default: true)
        let interval = reader.double(forKey: "worker.interval", default: 10)
        guard interval > 0, interval <= 86_400 else { throw CLIError.badInput("worker.interval must be 0 to 86400") }

        let runtime = try await self.runtime.open(createKeyIfMissing: demo || isDevelopmentFolder)
        let logger = Logger(label: "lethe.server")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let access = runtime.access()
        // Before anything is served: customers a restored backup brought back are erased again.
        let reconciled = try await runtime.suppressionGuard().run()
        if !reconciled.reErased.isEmpty {
            Terminal.warn(
                "re-erased \(reconciled.reErased.count) customer(s) on the suppression list that a restore brought back"
            )
        }
        if demo { try await prepareDemo(runtime, access: access) }
        if try await runtime.administration.staffUsers().isEmpty {
            Terminal.warn(
                "no staff users yet: create an admin with 'lethe staff add NAME --role admin' to use the dashboard"
            )
        }
        // Follows a rotation while serving: loads a staged version, switches primary with the others.
        var services: [any Service] = [KeyringWatch(runtime: runtime, role: "serve")]
        if runWorker {
            let name = "serve-\(ProcessInfo.processInfo.processIdentifier)"
            services.append(
                WorkerService(
                    jobs: runtime.jobRunner(worker: name),
                    dispatcher: runtime.dispatcher(),
                    requests: runtime.requests(),
                    purge: runtime.retentionScheduler(worker: name, batchSize: 500),
                    agents: runtime.dataRightsProtocol(),
                    clock: runtime.clock,
                    interval: .milliseconds(Int64(interval * 1000)),
                    purgeInterval: 3600
                )
            )
        }
        let listening = settings
        let application = try buildApplication(
            ServerDependencies(
                runtime: runtime,
                access: access,
                settings: settings,
                registry: registry,
                pages: try await Pages.load()
            ),
            services: services,
            logger: logger,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listening.port
                // One machine-readable line, so scripts (and the tests) can find a port picked with --port 0.
                FileHandle.standardOutput.write(Data("lethe: listening on http://\(listening.host):\(port)\n".utf8))
            }
        )
        try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// The default `./.lethe` folder is a development setup: a key is generated there, with a warning.
    var isDevelopmentFolder: Bool {
        runtime.configuration.dataFolder == ".lethe" && runtime.configuration.environment["LETHE_MASTER_KEY"] == nil
    }

    /// The settings in precedence order: flags, then `LETHE_*` environment variables, then the `--config`
    /// YAML file; a missing file is bad input (exit 2).
    func configurationReader() async throws -> ConfigReader {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host { values["http.host"] = .init(.string(host), isSecret: false) }
        if let port { values["http.port"] = .init(.int(port), isSecret: false) }
        if let worker { values["worker.enabled"] = .init(.bool(worker), isSecret: false) }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: values),
            EnvironmentVariablesProvider().prefixKeys(with: "lethe"),
        ]
        if let config {
            guard FileManager.default.fileExists(atPath: config) else {
                throw CLIError.badInput("no configuration file at \(config)")
            }
            providers.append(try await FileProvider<YAMLSnapshot>(filePath: .init(config)))
        }
        return ConfigReader(providers: providers)
    }

    /// Demo data on first start, and an officer sign-in printed to the terminal (never logged).
    func prepareDemo(_ runtime: Runtime, access: AccessService) async throws {
        if try await runtime.oversight.accountCount() == 0 {
            Terminal.note("loading demo data (first start)")
            let demo = runtime.demoData(random: SeededRandomSource(seed: 20_261_123))
            let summary = try await demo.load(count: 120) { done in
                Terminal.progress("loading demo data: \(done)/120 accounts")
            }
            _ = try await demo.loadRequests(runtime.requests(), customers: summary.accounts, count: 60) { done in
                Terminal.progress("loading demo requests: \(done)/60")
            }
            Terminal.endProgress()
        }
        let password =
            "demo-"
            + Data(try SecureRandom.bytes(9)).base64EncodedString()
            .replacingOccurrences(of: "/", with: "x").replacingOccurrences(of: "+", with: "y")
        if try await runtime.administration.staffUser("officer") == nil {
            _ = try await access.addStaff(username: "officer", role: .officer, password: password, by: "demo")
        } else {
            try await access.setPassword(username: "officer", password: password, by: "demo")
        }
        FileHandle.standardOutput.write(Data("lethe: demo officer sign-in: officer / \(password)\n".utf8))
    }
}

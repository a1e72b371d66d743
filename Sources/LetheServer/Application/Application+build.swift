import Foundation
import Hummingbird
import LetheCore
import LetheEngine
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// Everything the HTTP front needs, built once at start.
public struct ServerDependencies: Sendable {
    /// The open store, keys, policies and clock every route works through.
    public let runtime: Runtime
    /// Sign-in, sessions and API tokens, used by the authentication middleware and the sign-in pages.
    public let access: AccessService
    /// Where to listen, the body limit and whether cookies are `Secure`.
    public let settings: ServerSettings
    /// Where `/metrics` reads from; the process bootstraps swift-metrics onto the same registry.
    public let registry: PrometheusCollectorRegistry
    /// The compiled mustache templates of the dashboard and the privacy center.
    public let pages: Pages
    /// Delivers notices after the requests that queued them have answered.
    public let outbox: OutboxNudge

    /// Gathers the dependencies; the outbox nudger is made here from the runtime's configured dispatcher.
    public init(
        runtime: Runtime,
        access: AccessService,
        settings: ServerSettings,
        registry: PrometheusCollectorRegistry,
        pages: Pages
    ) {
        self.runtime = runtime
        self.access = access
        self.settings = settings
        self.registry = registry
        // Every customer page names the controller, as configured once in Policies/controller.yaml.
        self.pages = pages.signed(by: runtime.policies.controller)
        self.outbox = OutboxNudge(dispatcher: runtime.dispatcher())
    }
}

/// The routes: health and metrics, the JSON API (from the OpenAPI document), the officer dashboard
/// and the customer privacy center, behind one middleware stack.
/// - Throws: `DocumentError` when the shipped OpenAPI document cannot be read for its constraints, or
///   the generated handlers' registration error.
public func buildRouter(_ dependencies: ServerDependencies) throws -> Router<LetheRequestContext> {
    let router = Router(context: LetheRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    // Security headers wrap the problem answers too: every answer, error or not, carries them.
    router.add(middleware: SecurityHeadersMiddleware())
    let evidence = dependencies.runtime.evidence
    router.add(
        middleware: ProblemMiddleware(
            recordIntegrityFailure: { path in try? await evidence.recordIntegrityFailure(path: path) },
            controller: dependencies.runtime.policies.controller
        )
    )
    router.add(middleware: BodyLimitMiddleware(limit: dependencies.settings.maxBodyBytes))
    let drp = dependencies.runtime.dataRightsProtocol()
    router.add(
        middleware: AuthenticationMiddleware(
            access: dependencies.access,
            agentsPath: drp.map { DRPRoutes.prefix($0.business) }
        )
    )

    HealthRoutes(runtime: dependencies.runtime, registry: dependencies.registry).register(on: router)

    // Credentials first (a stranger learns nothing), then what the caller accepts and sends, then the
    // document's constraints: all before any handler runs.
    let api = router.group("api/v1").add(middleware: APIGuardMiddleware())
        .add(middleware: ContentNegotiationMiddleware())
        .add(
            middleware: DocumentConstraintsMiddleware(constraints: try DocumentConstraints.shipped(), prefix: "/api/v1")
        )
    let handler = APIHandler(runtime: dependencies.runtime, access: dependencies.access, outbox: dependencies.outbox)
    let recorder = RouteRecorder(api)
    try handler.registerHandlers(on: recorder, configuration: .init(dateTranscoder: StrictDateTranscoder()))
    recorder.answerOtherMethodsWith405()

    DashboardRoutes(dependencies).register(on: router)
    PrivacyCenterRoutes(dependencies).register(on: router)
    if let drp { DRPRoutes(service: drp, outbox: dependencies.outbox).register(on: router) }
    return router
}

/// The HTTP server as a service, with any others (the in-process worker) run beside it; SIGTERM and
/// SIGINT stop it gracefully: no new connections, requests in flight finish.
/// - Throws: the errors of ``buildRouter(_:)``.
public func buildApplication(
    _ dependencies: ServerDependencies,
    services: [any Service] = [],
    logger: Logger = Logger(label: "lethe.server"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    var application = Application(
        router: try buildRouter(dependencies),
        configuration: .init(
            address: .hostname(dependencies.settings.host, port: dependencies.settings.port),
            serverName: "Lethe"
        ),
        services: services,
        onServerRunning: onServerRunning,
        logger: logger
    )
    application.beforeServerStarts { _ = try await dependencies.access.purgeExpiredSessions() }
    return application
}

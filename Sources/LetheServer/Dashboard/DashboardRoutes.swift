import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// The officer dashboard, one route collection per area: sign-in, the queue and its requests, accounts,
/// oversight (holds, recipients, escalations, agents), and the load and reports.
struct DashboardRoutes {
    /// The server's shared services and settings, handed to each area.
    let dependencies: ServerDependencies

    /// The dashboard over the server's dependencies.
    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    /// Adds every area's routes to `router`.
    func register(on router: Router<LetheRequestContext>) {
        SessionRoutes(dependencies).register(on: router)
        QueueRoutes(dependencies).register(on: router)
        AccountRoutes(dependencies).register(on: router)
        OversightRoutes(dependencies).register(on: router)
        ReportRoutes(dependencies).register(on: router)
    }
}

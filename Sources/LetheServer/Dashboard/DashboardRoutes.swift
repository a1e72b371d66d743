import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// The officer dashboard, one route collection per area: sign-in, the queue and its requests, accounts,
/// oversight (holds, recipients, escalations, agents), and the load and reports.
struct DashboardRoutes {
    let dependencies: ServerDependencies

    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    func register(on router: Router<LetheRequestContext>) {
        SessionRoutes(dependencies).register(on: router)
        QueueRoutes(dependencies).register(on: router)
        AccountRoutes(dependencies).register(on: router)
        OversightRoutes(dependencies).register(on: router)
        ReportRoutes(dependencies).register(on: router)
    }
}

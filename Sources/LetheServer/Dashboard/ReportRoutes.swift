import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// The load ahead and the statutory metrics report (page and CSV).
struct ReportRoutes: DashboardController {
    /// The server's shared services and settings.
    let dependencies: ServerDependencies

    /// The report pages over the server's dependencies.
    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    /// Adds `GET /dashboard/load`, `/dashboard/reports` and `/dashboard/reports/ccpa.csv`.
    func register(on router: Router<LetheRequestContext>) {
        let dashboard = router.group("dashboard")
        dashboard.get("load") { _, context in try await load(context) }
        dashboard.get("reports") { request, context in try await report(request, context) }
        dashboard.get("reports/ccpa.csv") { request, context in try await reportCSV(request, context) }
    }

    /// The load page (needs `read-requests`): open requests by due date over the next 60 days, and
    /// requests received per month over the last 12, so staffing can be planned.
    func load(_ context: LetheRequestContext) async throws -> Response {
        guard let principal = try staff(context, .readRequests) else { return Pages.redirect("/login") }
        // Counted in the database per day and per month, however long the queue.
        let today = self.today
        let due = try await runtime.oversight.openRequestsByDueDate(through: today.adding(days: 59))
        let firstMonth = LocalDate(year: today.year, month: today.month, day: 1)?.adding(months: -11) ?? today
        let monthly = try await runtime.oversight.requestsByMonth(
            since: Date(timeIntervalSince1970: Double(firstMonth.daysSinceEpoch) * 86_400)
        )
        var model = frame(context, principal, title: "The load ahead")
        model["deadlineChart"] = LoadChart.deadlines(due, today: today, days: 60)
        model["monthlyChart"] = LoadChart.monthly(monthly, today: today, months: 12)
        return pages.render("load", model)
    }

    /// The `year` query parameter (2000–2200), last year by default; anything else is a 400.
    func reportYear(_ request: Request) throws -> Int {
        let thisYear = today.year
        guard let text = request.uri.queryParameters["year"] else { return thisYear - 1 }
        guard let year = Int(String(text)), (2000...2200).contains(year) else {
            throw Problem.badRequest("year is a calendar year, e.g. \(thisYear - 1)")
        }
        return year
    }

    /// The CCPA metrics page for one year (needs `read-evidence`), with denials broken down by basis.
    func report(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard let principal = try staff(context, .readEvidence) else { return Pages.redirect("/login") }
        let year = try reportYear(request)
        let metrics = try await runtime.oversight.ccpaMetrics(year: year)
        var model = frame(context, principal, title: "CCPA metrics \(year)")
        model["year"] = year
        model["citation"] = CCPAMetrics.citation
        model["rows"] = metrics.rows.map {
            [
                "kind": $0.kind.rawValue, "received": $0.received, "complied": $0.compliedInWholeOrInPart,
                "denied": $0.denied, "open": $0.open,
                "median": $0.medianDaysToRespond.map { String(format: "%.1f", $0) } ?? "–",
                "bases": $0.deniedByBasis.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                    .joined(separator: ", "),
            ]
        }
        model["empty"] = metrics.rows.isEmpty
        return pages.render("report", model)
    }

    /// The same metrics as a CSV download, for the privacy-policy disclosure.
    func reportCSV(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        guard try staff(context, .readEvidence) != nil else { return Pages.redirect("/login") }
        let year = try reportYear(request)
        let metrics = try await runtime.oversight.ccpaMetrics(year: year)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"ccpa-metrics-\(year).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: metrics.csv))
        )
    }
}

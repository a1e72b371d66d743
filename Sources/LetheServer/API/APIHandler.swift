import Foundation
import LetheCore
import LetheEngine
import OpenAPIRuntime

/// The JSON API: implements the protocol swift-openapi-generator makes from `openapi.yaml`.
///
/// The caller comes from ``Caller`` (set by ``AuthenticationMiddleware``); every operation first asks
/// for the ``Permission`` it needs. Failures are thrown as ``Problem``s and rendered by ``ProblemMiddleware``.
struct APIHandler: APIProtocol {
    /// The open store, policies and clock behind every operation.
    let runtime: Runtime
    /// Token and staff management for the access operations.
    let access: AccessService
    /// Nudged after each action so the notices it queued go out without waiting for the worker.
    let outbox: OutboxNudge

    /// The request service, with the same rules and limits as the dashboard and the CLI.
    var requests: RequestService { runtime.requests() }
    /// The account procedures: masked views, verified changes, audited reveals.
    var accounts: AccountService { runtime.accounts() }
    /// Today in UTC, the day urgency is judged from.
    var today: LocalDate { LocalDate(instant: runtime.clock.now(), in: Self.utc) }

    /// UTC, the zone the API counts days left in.
    static let utc = TimeZone(identifier: "UTC") ?? .current

    /// Runs an engine action, then asks for the notices it queued to be delivered (the transaction has
    /// committed; delivery does not hold up the answer).
    func act<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let result = try await body()
        outbox.nudge()
        return result
    }

    /// A request id from a path; anything not shaped like one is answered as not found (404), never echoed
    /// back at length.
    func requestID(_ text: String) throws -> RequestID {
        guard text.hasPrefix("R-"), text.count <= 40 else { throw Problem.notFound("no request \(text)") }
        return RequestID(text)
    }

    /// An account id from a path or body; anything else is a 400 saying what the form is.
    func accountID(_ text: String) throws -> AccountID {
        do { return try AccountID(text) } catch {
            throw Problem.badRequest("an account id is TR- and 5 digits, e.g. TR-04217")
        }
    }

    /// The request as it now stands, for the answer to an action.
    func state(_ id: RequestID) async throws -> Components.Schemas.RequestSummary {
        guard let stored = try await requests.request(id) else { throw Problem.notFound("no request \(id)") }
        return Self.summary(stored, today: today)
    }
}

extension APIHandler {
    /// How pressing a request is today (none, due soon, overdue, finished), as the document spells it.
    static func urgency(
        status: RequestStatus,
        due: LocalDate,
        today: LocalDate
    )
        -> Components.Schemas.RequestSummary.UrgencyPayload
    {
        .init(rawValue: Urgency(status: status, due: due, today: today).rawValue) ?? .none
    }

    /// One queue row as the API's request summary.
    static func summary(_ row: RequestSummary, today: LocalDate) -> Components.Schemas.RequestSummary {
        .init(
            id: row.id.rawValue,
            kind: .init(rawValue: row.kind.rawValue) ?? .export,
            status: .init(rawValue: row.status.rawValue) ?? .received,
            channel: .init(rawValue: row.channel.rawValue) ?? .web,
            jurisdiction: row.jurisdiction,
            account: row.accountID?.description,
            receivedAt: row.receivedAt,
            due: row.due.description,
            internalTarget: row.internalTarget.description,
            assignee: row.assignee,
            urgency: urgency(status: row.status, due: row.due, today: today)
        )
    }

    /// A stored request as the API's request summary, with its binding due date.
    static func summary(_ stored: StoredRequest, today: LocalDate) -> Components.Schemas.RequestSummary {
        let request = stored.request
        let due = stored.schedule.binding.due
        return .init(
            id: request.id.rawValue,
            kind: .init(rawValue: request.kind.rawValue) ?? .export,
            status: .init(rawValue: request.status.rawValue) ?? .received,
            channel: .init(rawValue: stored.channel.rawValue) ?? .web,
            jurisdiction: request.jurisdictionID,
            account: request.accountID?.description,
            receivedAt: request.receivedAt,
            due: due.description,
            internalTarget: stored.schedule.internalTarget.description,
            assignee: stored.assignee,
            urgency: urgency(status: request.status, due: due, today: today)
        )
    }

    /// One deadline with the period and citation that set it, so a caller can show why the date is what it is.
    static func deadline(_ deadline: Deadline) -> Components.Schemas.Deadline {
        .init(
            due: deadline.due.description,
            period: deadline.period,
            citation: deadline.citation,
            convention: deadline.convention
        )
    }

    /// A request's whole schedule: receipt date, acknowledgement, response, extension, binding date and
    /// internal target.
    static func schedule(_ schedule: DeadlineSchedule) -> Components.Schemas.Schedule {
        .init(
            jurisdiction: schedule.jurisdiction,
            jurisdictionName: schedule.jurisdictionName,
            kind: .init(rawValue: schedule.kind.rawValue) ?? .access,
            receivedAt: schedule.receivedAt,
            receiptDate: schedule.receiptDate.description,
            acknowledgement: schedule.acknowledgement.map(deadline),
            response: deadline(schedule.response),
            extended: schedule.extended.map(deadline),
            binding: deadline(schedule.binding),
            internalTarget: schedule.internalTarget.description,
            pausedDays: schedule.pausedDays
        )
    }
}

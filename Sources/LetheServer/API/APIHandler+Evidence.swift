import Foundation
import LetheCore
import LetheEngine

extension APIHandler {
    /// Legal holds as officers place and release them.
    var holdService: HoldService { runtime.holds() }

    /// A recipient as the API shows it: the categories it receives as one comma-separated kind.
    static func recipient(_ recipient: Recipient) -> Components.Schemas.Recipient {
        .init(
            id: recipient.id,
            name: recipient.name,
            kind: recipient.categories.map(\.rawValue).sorted().joined(separator: ","),
            endpoint: recipient.webhookURL
        )
    }

    /// A legal hold as the API shows it, with its scope, owner and reason.
    static func hold(_ hold: LegalHold) -> Components.Schemas.LegalHold {
        .init(
            id: hold.id,
            account: hold.accountID.description,
            categories: hold.categories.map(\.rawValue).sorted(),
            reason: hold.reason,
            owner: hold.owner,
            placedAt: hold.placedAt,
            releasedAt: hold.releasedAt
        )
    }

    /// `GET /api/v1/holds` (needs `read-evidence`): holds in force, and released ones on request.
    func listHolds(_ input: Operations.ListHolds.Input) async throws -> Operations.ListHolds.Output {
        _ = try Caller.require(.readEvidence)
        let holds = try await runtime.evidence.holds(includeReleased: input.query.includeReleased ?? false)
        return .ok(.init(body: .json(.init(holds: holds.map(Self.hold)))))
    }

    /// `POST /api/v1/holds` (needs `manage-holds`): stops erasure of the named categories (all when none
    /// are named) of one account until released; the caller is recorded as its owner.
    func placeHold(_ input: Operations.PlaceHold.Input) async throws -> Operations.PlaceHold.Output {
        let caller = try Caller.require(.manageHolds)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send account and reason") }
        var categories: Set<DataCategory> = []
        for name in (body.categories ?? []).map(\.rawValue) {
            guard let category = DataCategory(rawValue: name) else {
                throw Problem.badRequest(
                    "unknown category '\(name)' (\(DataCategory.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            categories.insert(category)
        }
        let hold = try await holdService.place(
            try accountID(body.account),
            categories: categories,
            reason: body.reason,
            owner: caller.actorName
        )
        return .created(.init(body: .json(Self.hold(hold))))
    }

    /// `DELETE /api/v1/holds/{hold}` (needs `manage-holds`): releases a hold and reschedules the erasures it
    /// blocked; 404 when no such hold is in force.
    func releaseHold(_ input: Operations.ReleaseHold.Input) async throws -> Operations.ReleaseHold.Output {
        let caller = try Caller.require(.manageHolds)
        guard try await holdService.release(input.path.hold, by: caller.actorName) else {
            throw Problem.notFound("no hold \(input.path.hold) in force")
        }
        return .noContent(.init())
    }

    /// `GET /api/v1/recipients` (needs `read-evidence`): the processors and third parties told of erasures.
    func listRecipients(_ input: Operations.ListRecipients.Input) async throws -> Operations.ListRecipients.Output {
        _ = try Caller.require(.readEvidence)
        let recipients = try await runtime.administration.recipients()
        return .ok(
            .init(
                body: .json(
                    .init(
                        recipients: recipients.map(Self.recipient)
                    )
                )
            )
        )
    }

    /// `POST /api/v1/recipients` (needs `manage-access`): registers a recipient; its signing secret is sealed
    /// and never shown again.
    func addRecipient(_ input: Operations.AddRecipient.Input) async throws -> Operations.AddRecipient.Output {
        let caller = try Caller.require(.manageAccess)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send the recipient") }
        var categories = Set<DataCategory>()
        for name in body.categories.map(\.rawValue) {
            guard let category = DataCategory(rawValue: name) else {
                throw Problem.badRequest("unknown category '\(name)'")
            }
            categories.insert(category)
        }
        let recipient = Recipient(
            id: body.id,
            name: body.name,
            categories: categories,
            webhookURL: body.webhookURL,
            active: true
        )
        try await runtime.administration.addRecipient(recipient, secret: body.secret, by: caller.actorName)
        return .created(.init(body: .json(Self.recipient(recipient))))
    }

    /// `GET /api/v1/escalations` (needs `read-accounts`): account changes waiting for a supervisor.
    func listEscalations(_ input: Operations.ListEscalations.Input) async throws -> Operations.ListEscalations.Output {
        _ = try Caller.require(.readAccounts)
        let open = try await runtime.oversight.openEscalations()
        return .ok(
            .init(
                body: .json(
                    .init(
                        escalations: open.map {
                            .init(
                                id: $0.id,
                                account: $0.accountID.description,
                                at: $0.at,
                                requestedBy: $0.requestedBy,
                                kind: $0.kind,
                                fields: $0.changedFields,
                                reason: $0.reason
                            )
                        }
                    )
                )
            )
        )
    }

    /// `POST /api/v1/purge` (needs `run-jobs`): one retention pass (or a dry run) within the HTTP request;
    /// 409 when another purge holds the lease.
    func runPurge(_ input: Operations.RunPurge.Input) async throws -> Operations.RunPurge.Output {
        let caller = try Caller.require(.runJobs)
        let scheduler = runtime.retentionScheduler(worker: "api-\(caller.actorName)", batchSize: 500)
        let report: PurgeReport
        do {
            report = try await scheduler.run(dryRun: input.query.dryRun ?? false)
        } catch let error as PurgeError {
            throw Problem.conflict(error.description)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        run: report.runID,
                        status: report.status.rawValue,
                        dryRun: report.dryRun,
                        purged: report.purgedTotal,
                        held: report.heldTotal,
                        rules: report.rules.map {
                            .init(
                                rule: $0.ruleID,
                                category: $0.category,
                                purged: $0.purgedTotal,
                                held: $0.heldTotal,
                                citation: $0.citation
                            )
                        }
                    )
                )
            )
        )
    }

    /// `GET /api/v1/audit/verify` (needs `read-evidence`): whether the audit chain is intact, and where it
    /// breaks if not.
    func verifyAuditTrail(_ input: Operations.VerifyAuditTrail.Input) async throws -> Operations.VerifyAuditTrail.Output
    {
        _ = try Caller.require(.readEvidence)
        let broken = try await runtime.evidence.firstBrokenAuditEntry()
        return .ok(.init(body: .json(.init(intact: broken == nil, firstBrokenEntry: broken))))
    }

    /// `GET /api/v1/reports/ccpa-metrics` (needs `read-evidence`): the 11 CCR §7102 metrics for one year.
    func ccpaMetrics(_ input: Operations.CcpaMetrics.Input) async throws -> Operations.CcpaMetrics.Output {
        _ = try Caller.require(.readEvidence)
        guard (2000...2200).contains(input.query.year) else { throw Problem.badRequest("year is 2000 to 2200") }
        let metrics = try await runtime.oversight.ccpaMetrics(year: input.query.year)
        return .ok(
            .init(
                body: .json(
                    .init(
                        year: metrics.year,
                        jurisdiction: metrics.jurisdiction,
                        citation: CCPAMetrics.citation,
                        kinds: metrics.rows.map {
                            .init(
                                kind: .init(rawValue: $0.kind.rawValue) ?? .other,
                                received: $0.received,
                                compliedInWholeOrInPart: $0.compliedInWholeOrInPart,
                                denied: $0.denied,
                                deniedByBasis: .init(additionalProperties: $0.deniedByBasis),
                                open: $0.open,
                                medianDaysToRespond: $0.medianDaysToRespond
                            )
                        }
                    )
                )
            )
        )
    }
}

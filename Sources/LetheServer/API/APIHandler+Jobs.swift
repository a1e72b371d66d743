import Foundation
import LetheCore
import LetheEngine
import OpenAPIRuntime

// The processing queue, deletion receipts and export bundles over the API: what the CLI's `jobs`,
// `audit show` and the privacy center's download already reach, each behind its permission.
extension APIHandler {
    /// `GET /api/v1/jobs` (needs `read-evidence`): counts per state and the dead jobs with why.
    func listJobs(_ input: Operations.ListJobs.Input) async throws -> Operations.ListJobs.Output {
        _ = try Caller.require(.readEvidence)
        let counts = try await runtime.administration.jobCounts()
        let dead = try await runtime.administration.deadJobs(limit: 500)
        return .ok(
            .init(
                body: .json(
                    .init(
                        counts: .init(
                            ready: counts[.ready] ?? 0,
                            leased: counts[.leased] ?? 0,
                            done: counts[.done] ?? 0,
                            dead: counts[.dead] ?? 0
                        ),
                        dead: dead.map {
                            .init(
                                id: $0.id,
                                kind: $0.kind,
                                request: $0.requestID?.rawValue,
                                attempts: $0.attempts,
                                lastError: $0.lastError,
                                deadSince: $0.deadSince
                            )
                        }
                    )
                )
            )
        )
    }

    /// `POST /api/v1/jobs/run` (needs `run-jobs`): one bounded pass over the due jobs, then the notices.
    func runJobs(_ input: Operations.RunJobs.Input) async throws -> Operations.RunJobs.Output {
        let caller = try Caller.require(.runJobs)
        let report = try await runtime.jobRunner(worker: "api-\(caller.actorName)").runUntilIdle()
        let delivered = try await runtime.dispatcher().dispatch(limit: 1000)
        return .ok(
            .init(
                body: .json(
                    .init(
                        completed: report.completed,
                        retried: report.retried,
                        dead: report.dead,
                        lostLeases: report.lostLeases,
                        noticesDelivered: delivered.delivered
                    )
                )
            )
        )
    }

    /// `POST /api/v1/jobs/{job}/requeue` (needs `run-jobs`): a dead job back in the queue, audited.
    func requeueJob(_ input: Operations.RequeueJob.Input) async throws -> Operations.RequeueJob.Output {
        let caller = try Caller.require(.runJobs)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send the reason") }
        let id = input.path.job
        guard try await runtime.administration.requeueDeadJob(id, reason: body.reason, by: caller.actorName) else {
            throw Problem.conflict("J-\(id) is not a dead job")
        }
        return .ok(.init(body: .json(.init(id: id, status: .ready))))
    }

    /// `GET /api/v1/requests/{id}/receipt` (needs `read-evidence`): what an erasure removed and kept.
    func showDeletionReceipt(
        _ input: Operations.ShowDeletionReceipt.Input
    ) async throws
        -> Operations.ShowDeletionReceipt.Output
    {
        _ = try Caller.require(.readEvidence)
        let id = try requestID(input.path.id)
        guard let receipt = try await runtime.evidence.deletionReceipt(id) else {
            throw Problem.notFound("no erasure has been carried out for \(id)")
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        request: receipt.requestID,
                        account: receipt.accountID,
                        pseudonym: receipt.pseudonym,
                        at: receipt.at,
                        erased: .init(additionalProperties: receipt.erased),
                        kept: receipt.kept.map {
                            .init(
                                category: $0.category,
                                records: $0.records,
                                legalBasis: $0.legalBasis,
                                citation: $0.citation,
                                retainUntil: $0.retainUntil
                            )
                        }
                    )
                )
            )
        )
    }

    /// `GET /api/v1/requests/{id}/bundle` (needs `read-requests`): the bundle's record, never its contents.
    func showExportBundle(_ input: Operations.ShowExportBundle.Input) async throws -> Operations.ShowExportBundle.Output
    {
        _ = try Caller.require(.readRequests)
        let id = try requestID(input.path.id)
        guard let bundle = try await runtime.exporter().bundle(forRequest: id) else {
            throw Problem.notFound("no export bundle has been built for \(id)")
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        id: bundle.id,
                        request: bundle.requestID.rawValue,
                        account: bundle.accountID.description,
                        sha256: bundle.sha256,
                        createdAt: bundle.createdAt,
                        expiresAt: bundle.expiresAt,
                        downloadsLeft: bundle.downloadsLeft
                    )
                )
            )
        )
    }

    /// `POST /api/v1/bundles/{bundle}/download` (needs `reveal-personal-data`): the plain ZIP, after the
    /// reason is in the audit trail; 410 once the link has expired or is used up.
    func downloadExportBundle(
        _ input: Operations.DownloadExportBundle.Input
    ) async throws
        -> Operations.DownloadExportBundle.Output
    {
        let caller = try Caller.require(.revealPersonalData)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send the reason") }
        let download: BundleDownload
        do {
            download = try await runtime.staffBundleCopy(input.path.bundle, reason: body.reason, by: caller.actorName)
        } catch let failure as JobFailure {
            throw Problem("gone", "This bundle is no longer available", status: 410, detail: failure.message)
        }
        // Streamed as it is decrypted: one chunk in memory, whatever the bundle's size.
        return .ok(.init(body: .applicationZip(HTTPBody(download, length: .unknown, iterationBehavior: .single))))
    }
}

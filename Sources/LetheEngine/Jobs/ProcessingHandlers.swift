import Foundation
import LetheCore
import LetheStore

/// Runs every kind of ``Job`` with the processor that owns it. The `switch` is exhaustive: a request
/// kind that gains no processor, or a new job, is a compile error here rather than a job that waits for
/// ever.
public struct ProcessingHandlers: JobHandler {
    let deletion: DeletionProcessor
    let export: ExportBuilder
    let requests: RequestService
    let store: any LetheStore
    let clock: any WallClock

    /// Creates the handlers from the processors that do the work; `store` and `clock` serve the ones
    /// made per job (export, deactivation, recipient fan-out).
    public init(
        deletion: DeletionProcessor,
        export: ExportBuilder,
        requests: RequestService,
        store: any LetheStore,
        clock: any WallClock
    ) {
        self.deletion = deletion
        self.export = export
        self.requests = requests
        self.store = store
        self.clock = clock
    }

    /// Runs the processor that owns `job`; a failure leaves the job to the runner to retry.
    ///
    /// - Throws: `RequestError`, `AccountError`, `JobFailure` or `StoreError` from the processor, as each
    ///   reports its own failures.
    public func run(_ job: Job, lease: LeasedJob) async throws {
        switch job {
        case .process(.export, let id):
            try await ExportJob(export: export, requests: requests, store: store).run(id)
        case .process(.consentChange, let id):
            // A consent change that waited for an officer (e.g. an email conflict) takes effect on approval.
            try await requests.applyConsentChanges(id)
        case .process(.deactivation, let id):
            try await Deactivation(store: store, requests: requests, clock: clock).run(id)
        case .process(.deletion, let id):
            try await deletion.begin(id)
        case .process(.correction, let id):
            let accounts = AccountService(
                store: store,
                vault: requests.vault,
                policies: requests.policies,
                clock: clock
            )
            try await CorrectionJob(accounts: accounts, requests: requests).run(id)
        case .process(.appeal, let id):
            try await AppealJob(requests: requests).run(id)
        case .eraseAccount(let id):
            try await deletion.erase(id)
        case .notifyRecipient(let id, let recipientID):
            let account = try await requests.load(id).request.accountID
            try await RecipientFanout(store: store, clock: clock).send(id, recipientID: recipientID, account: account)
            try await deletion.completeIfSettled(id)
        case .notifyRectification(let notice):
            try await RecipientFanout(store: store, clock: clock).sendRectification(notice)
        }
    }
}

import Foundation
import LetheCore
import LetheStore

// The services every front end (CLI, server, worker) wires the same way from one runtime.

extension Runtime {
    /// Requests with this runtime's store, keys, policies and clock.
    public func requests() -> RequestService {
        RequestService(store: store, vault: vault, policies: policies, clock: clock)
    }

    /// The configured delivery channel: SMTP when `LETHE_SMTP_URL` is set (checked when the runtime
    /// opens), else the mail folder `<data>/mail` unless `LETHE_MAIL_FOLDER` says otherwise.
    public func dispatcher() -> OutboxDispatcher {
        let mail: any NotificationTransport =
            smtp ?? MailFolderTransport(folder: mailFolder, from: policies.controller.email)
        var dispatcher = OutboxDispatcher(
            store: store,
            transport: RoutingTransport(mail, routes: [.drpStatus: DRPCallbackTransport()]),
            clock: clock,
            officerAddress: configuration.environment["LETHE_OFFICER_EMAIL"] ?? "privacy-officers@lethe.invalid"
        )
        dispatcher.controller = policies.controller
        return dispatcher
    }
}

extension Runtime {
    /// The Data Rights Protocol endpoint, when `Policies/drp.yaml` configures one.
    public func dataRightsProtocol() -> DRPService? {
        guard let business = policies.dataRightsProtocol else { return nil }
        return DRPService(store: store, requests: requests(), policies: policies, business: business, clock: clock)
    }
}

extension Runtime {
    /// The job runner with every processor wired in; a job leased for `lease` seconds goes to another
    /// worker if this one dies holding it.
    public func jobRunner(worker: String, lease: TimeInterval = 300) -> JobRunner {
        let requests = requests()
        let deletion = deletions()
        let handlers = ProcessingHandlers(
            deletion: deletion,
            export: exporter(),
            requests: requests,
            store: store,
            clock: clock
        )
        // Leases name the process (`NAME@HOST:PID`), so a process that finds a dead one's purge lease can
        // free the job leases it held at once instead of waiting for them to expire.
        let holder = "\(worker)@\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        var runner = JobRunner(store: store, handler: handlers, clock: clock, worker: holder)
        runner.lease = lease
        // On SQLite jobs side by side overlap one export's CPU work with another's commit. On PostgreSQL
        // every serialized write still waits for the one advisory lock while holding a connection, so
        // they would only queue there and hold more connections (issue "Scale"); several workers are the
        // way to spread jobs on PostgreSQL until the lock is gone.
        if configuration.databaseURL == nil { runner.concurrency = ProcessInfo.processInfo.activeProcessorCount }
        return runner
    }
}

extension Runtime {
    /// Where export bundles are written: `LETHE_EXPORTS`, else `exports/` in the data folder (beside the
    /// store and the key, where the README and `--help` say the data lives).
    public var exportsFolder: String {
        configuration.environment["LETHE_EXPORTS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (configuration.dataFolder as NSString).appendingPathComponent("exports")
    }

    /// Export bundles go under ``exportsFolder``.
    public func exporter() -> ExportBuilder {
        ExportBuilder(
            store: store,
            policies: policies,
            clock: clock,
            random: SecureRandomSource(),
            folder: exportsFolder
        )
    }
}

extension Runtime {
    /// The mail folder notices are delivered to (and aged out of).
    public var mailFolder: String {
        configuration.environment["LETHE_MAIL_FOLDER"]
            ?? (configuration.dataFolder as NSString).appendingPathComponent("mail")
    }

    /// The retention scheduler with this runtime's store, policies and folders; erasure jobs run as `worker`.
    public func retentionScheduler(worker: String, batchSize: Int) -> RetentionScheduler {
        var erasures = jobRunner(worker: worker)
        erasures.kinds = [.eraseAccount]
        var scheduler = RetentionScheduler(
            store: store,
            policies: policies,
            clock: clock,
            random: SecureRandomSource(),
            eraseJobs: erasures,
            exportsFolder: exportsFolder,
            mailFolder: mailFolder
        )
        scheduler.batchSize = batchSize
        scheduler.suppressions = suppressionGuard()
        scheduler.erasure = erasure()
        return scheduler
    }

    /// The suppression list kept outside the database: `LETHE_SUPPRESSION_JOURNAL`, else
    /// `suppressions.journal` in the data folder (keep it with the master key, apart from database backups).
    public var suppressionJournal: SuppressionJournal {
        SuppressionJournal(
            path: configuration.environment["LETHE_SUPPRESSION_JOURNAL"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (configuration.dataFolder as NSString).appendingPathComponent("suppressions.journal")
        )
    }

    /// Reconciles the suppression journal with the database and re-erases whoever a restore brought back.
    public func suppressionGuard() -> SuppressionGuard {
        var guardian = SuppressionGuard(store: store, journal: suppressionJournal, policies: policies, clock: clock)
        guardian.dispatcher = dispatcher()
        return guardian
    }

    /// Erasure's one home, delivering and forgetting through the configured channel and journaling
    /// suppression tokens outside the database.
    public func erasure() -> Erasure {
        Erasure(
            store: store,
            policies: policies,
            clock: clock,
            dispatcher: dispatcher(),
            journal: suppressionJournal
        )
    }
}

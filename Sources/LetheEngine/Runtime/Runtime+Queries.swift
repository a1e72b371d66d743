import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// The engine's read side and administrative tools, wired from one runtime for every front end.

extension Runtime {
    /// Queue counts, due dates, escalations and statutory metrics.
    public var oversight: Oversight { Oversight(store: store) }

    /// The audit trail, deletion receipts, recipients told, holds and purge runs.
    public var evidence: Evidence { Evidence(store: store, clock: clock) }

    /// Staff, tokens, recipients, agents and the job queue.
    public var administration: Administration { Administration(store: store, clock: clock) }

    /// The master keyring: rotation and retirement.
    public var keys: KeyAdministration { KeyAdministration(store: store, vault: vault) }

    /// Staff and customer sign-in, sessions and API tokens.
    public func access() -> AccessService { AccessService(store: store, vault: vault, clock: clock) }

    /// Legal holds: placing and releasing them.
    public func holds() -> HoldService { HoldService(store: store, clock: clock) }

    /// The registry of authorized agents.
    public func agentRegistry() -> AgentRegistry { AgentRegistry(store: store, clock: clock) }

    /// Deletion requests' processing: erasure, recipients and completion.
    public func deletions() -> DeletionProcessor {
        var deletion = DeletionProcessor(
            store: store,
            requests: requests(),
            policies: policies,
            clock: clock,
            dispatcher: dispatcher()
        )
        deletion.journal = suppressionJournal
        return deletion
    }

    /// Demo accounts and requests, drawn from `random` (seeded, so a demo is the same every time).
    public func demoData(random: any RandomSource) -> DemoData {
        DemoData(accounts: accounts(), store: store, random: random, clock: clock)
    }

    /// Where the data lives, for messages (a PostgreSQL URL without its password, or the SQLite file).
    public var storeLocation: String { store.location }

    /// Whether the store answers a read and the master key opens a key: a load balancer's readiness probe.
    /// - Throws: the store's or the key vault's error when either is unavailable.
    public func checkReadiness() async throws {
        _ = try await store.accountCount()
        _ = try await vault.tokenHashingKey()
    }

    /// A copy of a customer's export bundle for a member of staff who must deliver it another way: the
    /// reason goes to the audit trail first, and the copy counts as one of the bundle's downloads.
    ///
    /// - Returns: the plain ZIP, decrypted in memory; it never touches the disk.
    /// - Throws: ``AdministrationError/reasonRequired`` without a reason; `JobFailure` when there is no
    ///   such bundle, its link has expired or is used up, or the customer was erased; the store's errors.
    public func staffBundleCopy(_ bundleID: String, reason: String, by actor: String) async throws -> BundleDownload {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw AdministrationError.reasonRequired }
        let exporter = exporter()
        guard let bundle = try await exporter.bundle(bundleID) else {
            throw JobFailure(message: "bundle \(bundleID) has expired, was used up, or does not exist")
        }
        try await administration.recordBundleDownload(bundle, reason: why, by: actor)
        return try await exporter.openDownload(bundleID)
    }
}

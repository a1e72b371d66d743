import Foundation
import LetheCore
import LetheStore

/// Builds a customer's export bundle, sends them the link, and completes the request.
struct ExportJob: Sendable {
    let export: ExportBuilder
    let requests: RequestService
    let store: any ExportBundleRepository

    func run(_ id: RequestID) async throws {
        guard let stored = try await requests.inWork(id) else { return }
        guard let account = stored.request.accountID else {
            try await requests.complete(
                id,
                by: .system("export"),
                summary: "We hold no account for you, so there is no data to export."
            )
            return
        }
        // A retried job after a crash reuses the bundle it already built.
        let bundle: ExportBundleRecord
        if let existing = try await store.bundle(forRequest: id) {
            bundle = existing
        } else {
            bundle = try await export.build(for: id, account: account)
        }
        try await requests.complete(
            id,
            by: .system("export"),
            summary:
                "Your data is ready: bundle \(bundle.id), downloadable \(bundle.downloadsLeft) times until \(ISO.format(bundle.expiresAt))."
        )
    }
}

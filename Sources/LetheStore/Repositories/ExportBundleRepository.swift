import Foundation
import LetheCore
import LetheCrypto

/// Export-bundle metadata (the bundle files themselves live encrypted under `Exports/`).
public protocol ExportBundleRepository: Sendable {
    /// Records a bundle built for a request, with its expiry and the downloads it allows.
    func recordBundle(_ bundle: ExportBundleRecord) async throws
    /// The bundle's record, or nil when there is none.
    func bundle(_ id: String) async throws -> ExportBundleRecord?
    /// The bundle built for `request`, so a retried export job reuses it instead of building another.
    func bundle(forRequest request: RequestID) async throws -> ExportBundleRecord?
    /// Counts one download if the link is still valid (not expired at `at`, downloads left), in one
    /// statement, so two downloads racing for the last use cannot both win.
    ///
    /// - Returns: The record after counting (`downloadsLeft` already reduced), or nil when the bundle is
    ///   unknown, expired or used up.
    func takeDownload(_ id: String, at: Date) async throws -> ExportBundleRecord?
}

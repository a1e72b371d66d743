import Foundation
import LetheCore
import LetheStore
import Logging

/// The suppression list kept outside the database, so that restoring a database backup older than an
/// erasure cannot make Lethe forget that the customer was erased.
///
/// One line per entry, appended and flushed to disk: `v1 KIND BASE64-TOKEN VERSION REQUEST-ID SECONDS`.
/// The tokens are keyed blind-index tokens, not the email or phone: the file holds nothing personal.
/// Keep it where the master key is kept, apart from database backups (docs/operations.md).
public struct SuppressionJournal: Sendable {
    /// Where the journal file lives; kept with the master key, not with database backups.
    public let path: String

    /// A journal at `path`; the file and its folder are created on the first append (mode 0600 and 0700).
    public init(path: String) { self.path = path }

    /// Why a journal line could not be read; names the line, never its content.
    public struct Unreadable: Error, CustomStringConvertible {
        /// The 1-based number of the damaged line.
        public let line: Int
        /// Names the line only; the line's tokens never appear in logs.
        public var description: String { "the suppression journal's line \(line) is not readable" }
    }

    /// Every entry, in the order written.
    ///
    /// - Throws: ``Unreadable`` for a damaged line (a torn last line after a crash is skipped).
    public func read() throws -> [SuppressionEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        let endsCleanly = text.hasSuffix("\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var entries: [SuppressionEntry] = []
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let parts = line.split(separator: " ")
            guard parts.count == 6, parts[0] == "v1", let kind = SuppressionEntry.Kind(rawValue: String(parts[1])),
                let token = Data(base64Encoded: String(parts[2])), let seconds = Double(parts[5])
            else {
                // A crash mid-append leaves at most a torn last line; anything else is damage.
                if index == lines.count - 1, !endsCleanly { break }
                throw Unreadable(line: index + 1)
            }
            entries.append(
                SuppressionEntry(
                    token: token,
                    kind: kind,
                    requestID: RequestID(String(parts[4])),
                    indexVersion: UInt32(parts[3]),
                    createdAt: Date(timeIntervalSince1970: seconds)
                )
            )
        }
        return entries
    }

    /// Appends `entries` and flushes them to disk before returning.
    /// - Throws: a `CocoaError` when the file cannot be opened, written or synced, or its folder created.
    public func append(_ entries: [SuppressionEntry]) throws {
        guard !entries.isEmpty else { return }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(
                atPath: folder,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        }
        let text = entries.map { entry in
            let version = entry.indexVersion.map(String.init) ?? "-"
            return "v1 \(entry.kind.rawValue) \(entry.token.base64EncodedString()) \(version) "
                + "\(entry.requestID.rawValue) \(Int64(entry.createdAt.timeIntervalSince1970))\n"
        }.joined()
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
            written += n
        }
        guard fsync(descriptor) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}

/// What one reconciliation did.
public struct SuppressionReport: Sendable, Equatable {
    /// Entries the database had and the journal lacked (now journaled).
    public var journaled = 0
    /// Entries the journal had and the database lacked (a restored backup; now back in the list).
    public var restored = 0
    /// Customers a restored backup brought back, erased again, with the request that erased them first.
    public var reErased: [String] = []
}

/// Keeps erased customers erased across restores: the journal and the database's suppression list are
/// made the same in both directions, then every account the list names is erased again, with a receipt.
/// Run at the start of every purge and when the service starts.
public struct SuppressionGuard: Sendable {
    let store:
        any AccountRepository & AuditRepository & ErasureRepository & HoldRepository & JobRepository
            & RecipientRepository & RequestRepository
    let journal: SuppressionJournal
    let policies: PolicySet
    let clock: any WallClock
    /// Forgets a re-erased customer's spooled notices; nil leaves them to the purge's spool pass.
    public var dispatcher: OutboxDispatcher?
    let logger: Logger

    /// Creates the guard over the store and the journal; set ``dispatcher`` to have re-erased customers'
    /// spooled notices removed at once.
    public init(
        store: any AccountRepository & AuditRepository & ErasureRepository & HoldRepository & JobRepository
            & RecipientRepository & RequestRepository,
        journal: SuppressionJournal,
        policies: PolicySet,
        clock: any WallClock,
        logger: Logger = Logger(label: "lethe.suppression")
    ) {
        self.store = store
        self.journal = journal
        self.policies = policies
        self.clock = clock
        self.logger = logger
    }

    /// Erasure's one home. It is given no journal: the list was reconciled with the journal just
    /// before, so every token a re-erasure writes is in it already (appending would only repeat them).
    var erasure: Erasure {
        Erasure(store: store, policies: policies, clock: clock, dispatcher: dispatcher, journal: nil)
    }

    /// Reconciles the journal and the database, then erases again whoever the list names.
    /// - Throws: ``SuppressionJournal/Unreadable`` for a damaged journal, a `CocoaError` when it cannot be
    ///   written, `StoreError` from the store or from a re-erasure.
    public func run() async throws -> SuppressionReport {
        var report = SuppressionReport()
        let journaled = try journal.read()
        let listed = try await store.suppressionEntries(request: nil)
        let known = Set(journaled.map(\.token))
        let missing = listed.filter { !known.contains($0.token) }
        try journal.append(missing)
        report.journaled = missing.count
        let inDatabase = Set(listed.map(\.token))
        report.restored = try await store.restoreSuppressions(journaled.filter { !inDatabase.contains($0.token) })
        let now = clock.now()
        for (account, request) in try await store.suppressedAccounts() {
            let receipt = try await erasure.erase(account, receipt: request, at: now)
            try await store.appendAudit(
                AuditEvent(
                    at: now,
                    actor: "system:suppression",
                    action: "account.re-erased",
                    subjectType: "account",
                    subjectID: account.description,
                    fields: receipt.erased.filter { $0.value > 0 }.keys.sorted(),
                    reason: "on the suppression list from request \(request.rawValue); brought back by a restore"
                )
            )
            report.reErased.append(account.description)
            logger.notice("re-erased a customer a restore brought back", metadata: ["account": "\(account)"])
        }
        return report
    }
}

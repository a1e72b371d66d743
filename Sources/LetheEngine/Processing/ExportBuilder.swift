import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// Builds export bundles (docs/export-bundle.md): a ZIP with `data.json` (schema in
/// `Exports/schema/`), one CSV per category, `index.html` and `manifest.json`, streamed in bounded memory
/// (orders are paged from the store) straight into a file encrypted under the customer's own key: no
/// plain copy of the customer's data is written anywhere on the way.
public struct ExportBuilder: Sendable {
    /// The bundle format's version, written into `manifest.json` so readers know which schema applies.
    public static let formatVersion = "1"
    /// The largest chunk a reader accepts, whatever size the writer chose.
    static let maxChunk = 16 * 1024 * 1024
    static let magic = Data("LETHE-BUNDLE-1\n".utf8)

    let store:
        any AccountRepository & ErasureRepository & ExportBundleRepository & RecipientRepository & RequestRepository
    let policies: PolicySet
    let clock: any WallClock
    let random: any RandomSource
    /// The export folder; encrypted bundles go in `bundles/` below it.
    public let folder: String
    /// How long a bundle can be downloaded after it is built (seconds); seven days by default.
    public var linkLifetime: TimeInterval = 7 * 86_400
    /// How many times a bundle can be downloaded before its link stops working.
    public var downloads = 3
    /// Plaintext bytes per encrypted chunk.
    public var chunkSize = 64 * 1024

    /// Creates a builder writing encrypted bundles below `folder`; `random` makes the bundle ids that
    /// appear in download links.
    public init(
        store: any AccountRepository & ErasureRepository & ExportBundleRepository & RecipientRepository
            & RequestRepository,
        policies: PolicySet,
        clock: any WallClock,
        random: any RandomSource,
        folder: String
    ) {
        self.store = store
        self.policies = policies
        self.clock = clock
        self.random = random
        self.folder = folder
    }

    // MARK: Building the ZIP

    /// Writes the plain bundle for `account` to `zip` (an officer's own export, at a path they chose) and
    /// returns the manifest's file digests.
    /// - Throws: ``AccountError/notFound(_:)`` for an unknown or erased account, `StoreError` from the
    ///   store, `JobFailure` or a file-system error when the ZIP cannot be written.
    public func writeZip(
        _ account: AccountID,
        request: RequestID?,
        bundleID: String,
        to zip: URL
    ) async throws -> [String: String] {
        let sink = try PlainFileSink(zip)
        defer { try? sink.close() }
        return try await writeBundle(account, request: request, bundleID: bundleID, into: sink)
    }

    /// Streams the bundle's ZIP for `account` into `sink`, one file after another, and returns the
    /// manifest's file digests. Nothing is written anywhere else: no scratch file holds the customer's
    /// data in the clear, and memory stays bounded (orders are paged from the store, twice: once for
    /// `data.json`, once for `orders.csv`, the second pass stopping at the last order the first one saw).
    func writeBundle(
        _ account: AccountID,
        request: RequestID?,
        bundleID: String,
        into sink: any BundleSink
    ) async throws -> [String: String] {
        guard let held = try await store.account(account) else { throw AccountError.notFound(account) }
        // Every file of the bundle renders from this copy, so a withheld field is withheld everywhere.
        let withholding = Withholding(policies)
        let customer = withholding.applied(to: held)
        let now = clock.now()
        let zip = ZipStream(to: sink, modified: now)
        var digests: [String: String] = [:]
        let consents = try await store.consents(account)
        let support = try await store.supportInteractions(account)
        let security = try await store.securityEvents(account)
        let requests = try await store.listRequests(RequestQuery(accountID: account, limit: 10_000))
        let notes = try await store.recordNotes(RecordNoteQuery(accountID: account, limit: 100_000))

        // data.json, orders streamed a page at a time.
        try zip.begin("data.json")
        try zip.write("{\"format\":\"lethe-export/1\",\"generated_at\":\(JSON.string(ISO.format(now))),")
        try zip.write("\"request_id\":\(request.map { JSON.string($0.rawValue) } ?? "null"),")
        try zip.write("\"account\":\(try JSON.encode(AccountJSON(customer))),")
        try zip.write("\"addresses\":\(try JSON.encode(customer.addresses.map { AddressJSON($0.address) })),")
        try zip.write("\"payment_methods\":\(try JSON.encode(customer.paymentMethods.map(CardJSON.init))),")
        try zip.write("\"orders\":[")
        var after: Int64?
        var first = true
        var orderCount = 0
        var shownOrders: [Order] = []
        while true {
            let page = try await store.ordersPage(account, after: after, limit: 1000)
            if page.isEmpty { break }
            var text = ""
            for order in page {
                if shownOrders.count < ExportSummary.ordersShown { shownOrders.append(order) }
                text += (first ? "" : ",") + OrderJSON(order).json
                first = false
            }
            try zip.write(text)
            orderCount += page.count
            after = page.last?.id
        }
        let lastOrder = after
        try zip.write("],\"consents\":\(try JSON.encode(consents.map(ConsentJSON.init))),")
        try zip.write(
            "\"support_interactions\":\(try JSON.encode(support.map { SupportJSON(at: ISO.format($0.at), channel: $0.channel, transcript: $0.transcript) })),"
        )
        try zip.write(
            "\"security_events\":\(try JSON.encode(security.map { SecurityJSON(at: ISO.format($0.at), kind: $0.kind, ip_address: $0.ipAddress, user_agent: $0.userAgent) })),"
        )
        try zip.write(
            "\"requests\":\(try JSON.encode(requests.map { RequestJSON(id: $0.id.rawValue, kind: $0.kind.rawValue, status: $0.status.rawValue, received_at: ISO.format($0.receivedAt), respond_by: $0.due.description) })),"
        )
        try zip.write(
            "\"record_notes\":\(try JSON.encode(notes.map { NoteJSON(at: ISO.format($0.at), changed_fields: $0.changedFields, reason: $0.reason, reference: $0.reference) })),"
        )
        try zip.write("\"withheld\":\(try JSON.encode(withholding.section(for: held)))}")
        digests["data.json"] = try zip.end()

        // orders.csv: the same orders again, up to the last one data.json holds, so the two agree.
        try zip.begin("orders.csv")
        try zip.write(CSV.row(["id", "placed_at", "total_cents", "currency", "status", "items", "shipping_address"]))
        after = nil
        while let last = lastOrder, after.map({ $0 < last }) ?? true {
            let page = try await store.ordersPage(account, after: after, limit: 1000)
            if page.isEmpty { break }
            var text = ""
            for order in page where order.id.map({ $0 <= last }) ?? true {
                text += CSV.row([
                    order.id.map(String.init) ?? "", ISO.format(order.placedAt), String(order.totalCents),
                    order.currency, order.status, order.items, order.shippingAddress ?? "",
                ])
            }
            try zip.write(text)
            after = page.last?.id
        }
        digests["orders.csv"] = try zip.end()

        digests["account.csv"] = try writeCSV(
            zip,
            "account.csv",
            ["field", "value"],
            [
                ["id", customer.id.description], ["status", customer.status.rawValue],
                ["full_name", customer.fullName],
                ["email", customer.email], ["phone", customer.phone ?? ""],
                ["date_of_birth", customer.dateOfBirth?.description ?? ""],
                ["residence", customer.residence], ["created_at", ISO.format(customer.createdAt)],
                ["password", customer.holdsPassword ? "collected" : "not collected"],
                ["security_answer", customer.holdsSecurityAnswer ? "collected" : "not collected"],
            ]
        )
        digests["addresses.csv"] = try writeCSV(
            zip,
            "addresses.csv",
            ["label", "line1", "line2", "city", "postal_code", "country"],
            customer.addresses.map {
                [
                    $0.address.label, $0.address.line1, $0.address.line2 ?? "", $0.address.city, $0.address.postalCode,
                    $0.address.country,
                ]
            }
        )
        digests["payment_methods.csv"] = try writeCSV(
            zip,
            "payment_methods.csv",
            ["brand", "card_number", "last4", "expiry"],
            customer.paymentMethods.map { [$0.brand, "collected", $0.last4, $0.expiry] }
        )
        digests["consents.csv"] = try writeCSV(
            zip,
            "consents.csv",
            ["purpose", "granted", "source", "notice_version", "at"],
            consents.map { [$0.purpose, $0.granted ? "yes" : "no", $0.source, $0.noticeVersion, ISO.format($0.at)] }
        )
        digests["support_interactions.csv"] = try writeCSV(
            zip,
            "support_interactions.csv",
            ["at", "channel", "transcript"],
            support.map { [ISO.format($0.at), $0.channel, $0.transcript] }
        )
        digests["security_events.csv"] = try writeCSV(
            zip,
            "security_events.csv",
            ["at", "kind", "ip_address", "user_agent"],
            security.map { [ISO.format($0.at), $0.kind, $0.ipAddress ?? "", $0.userAgent ?? ""] }
        )

        try zip.begin("index.html")
        try zip.write(
            ExportSummary(
                customer: customer,
                consents: consents,
                orders: shownOrders,
                orderCount: orderCount,
                support: support,
                security: security,
                requests: requests,
                notes: notes,
                recipients: try await store.recipients().filter { $0.active },
                policies: policies,
                generatedAt: now
            ).html
        )
        digests["index.html"] = try zip.end()

        let manifest = Manifest(
            bundle_id: bundleID,
            request_id: request?.rawValue,
            created_at: ISO.format(now),
            format_version: Self.formatVersion,
            files: digests
        )
        try zip.begin("manifest.json")
        try zip.write(try JSON.encode(manifest, pretty: true))
        _ = try zip.end()
        try zip.finish()
        return digests
    }

    private func writeCSV(_ zip: ZipStream, _ name: String, _ header: [String], _ rows: [[String]]) throws -> String {
        try zip.begin(name)
        try zip.write(CSV.row(header))
        for row in rows { try zip.write(CSV.row(row)) }
        return try zip.end()
    }

}

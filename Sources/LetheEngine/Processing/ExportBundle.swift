import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import ZIPFoundation

/// Writes text to a file while hashing it, so each export file gets its SHA-256 without a second read.
final class HashingWriter {
    let url: URL
    private let handle: FileHandle
    private let hasher: SHA256Hasher
    private var buffer = Data()

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw JobFailure(message: "cannot create \(url.lastPathComponent)")
        }
        self.url = url
        handle = try FileHandle(forWritingTo: url)
        hasher = try SHA256Hasher()
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try hasher.update($0) }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Closes the file and returns its SHA-256 in hex.
    func finish() throws -> String {
        try flush()
        try handle.close()
        return try hasher.finalizeHex()
    }
}

/// Builds export bundles (docs/export-bundle.md): a ZIP with `data.json` (schema in
/// `Exports/schema/`), one CSV per category, `index.html` and `manifest.json`, written in bounded memory
/// (orders are paged from the store), then encrypted at rest under the customer's own key.
public struct ExportBuilder: Sendable {
    public static let formatVersion = "1"
    /// The largest chunk a reader accepts, whatever size the writer chose.
    static let maxChunk = 16 * 1024 * 1024
    static let magic = Data("LETHE-BUNDLE-1\n".utf8)

    let store: any AccountRepository & ErasureRepository & ExportBundleRepository & RequestRepository
    let policies: PolicySet
    let clock: any WallClock
    let random: any RandomSource
    /// The export folder; encrypted bundles go in `bundles/` below it.
    public let folder: String
    public var linkLifetime: TimeInterval = 7 * 86_400
    public var downloads = 3
    /// Plaintext bytes per encrypted chunk.
    public var chunkSize = 64 * 1024

    public init(
        store: any AccountRepository & ErasureRepository & ExportBundleRepository & RequestRepository,
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

    // MARK: Building the plain ZIP

    /// Writes the plain bundle for `account` to `zip` and returns the manifest's file digests.
    public func writeZip(
        _ account: AccountID,
        request: RequestID?,
        bundleID: String,
        to zip: URL
    ) async throws -> [String: String] {
        guard let customer = try await store.account(account) else { throw AccountError.notFound(account) }
        // A unique scratch folder: two exports must never share one, whatever their bundle ids.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: work,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        defer { try? FileManager.default.removeItem(at: work) }
        let now = clock.now()
        var digests: [String: String] = [:]
        let consents = try await store.consents(account)
        let support = try await store.supportInteractions(account)
        let security = try await store.securityEvents(account)
        let requests = try await store.listRequests(RequestQuery(accountID: account, limit: 10_000))
        let notes = try await store.recordNotes(RecordNoteQuery(accountID: account, limit: 100_000))

        // data.json and orders.csv together, orders streamed a page at a time.
        let data = try HashingWriter(work.appendingPathComponent("data.json"))
        let ordersCSV = try HashingWriter(work.appendingPathComponent("orders.csv"))
        try ordersCSV.write(
            CSV.row(["id", "placed_at", "total_cents", "currency", "status", "items", "shipping_address"])
        )
        try data.write("{\"format\":\"lethe-export/1\",\"generated_at\":\(JSON.string(ISO.format(now))),")
        try data.write("\"request_id\":\(request.map { JSON.string($0.rawValue) } ?? "null"),")
        try data.write("\"account\":\(try JSON.encode(AccountJSON(customer))),")
        try data.write("\"addresses\":\(try JSON.encode(customer.addresses.map { AddressJSON($0.address) })),")
        try data.write("\"payment_methods\":\(try JSON.encode(customer.paymentMethods.map(CardJSON.init))),")
        try data.write("\"orders\":[")
        var after: Int64?
        var first = true
        var orderCount = 0
        while true {
            let page = try await store.ordersPage(account, after: after, limit: 1000)
            if page.isEmpty { break }
            for order in page {
                try data.write((first ? "" : ",") + OrderJSON(order).json)
                try ordersCSV.write(
                    CSV.row([
                        String(order.id), ISO.format(order.placedAt), String(order.totalCents), order.currency,
                        order.status,
                        order.items, order.shippingAddress ?? "",
                    ])
                )
                first = false
            }
            orderCount += page.count
            after = page.last?.id
        }
        try data.write("],\"consents\":\(try JSON.encode(consents.map(ConsentJSON.init))),")
        try data.write(
            "\"support_interactions\":\(try JSON.encode(support.map { SupportJSON(at: ISO.format($0.at), channel: $0.channel, transcript: $0.transcript) })),"
        )
        try data.write(
            "\"security_events\":\(try JSON.encode(security.map { SecurityJSON(at: ISO.format($0.at), kind: $0.kind, ip_address: $0.ipAddress, user_agent: $0.userAgent) })),"
        )
        try data.write(
            "\"requests\":\(try JSON.encode(requests.map { RequestJSON(id: $0.id.rawValue, kind: $0.kind.rawValue, status: $0.status.rawValue, received_at: ISO.format($0.receivedAt), respond_by: $0.due.description) })),"
        )
        try data.write(
            "\"record_notes\":\(try JSON.encode(notes.map { NoteJSON(at: ISO.format($0.at), changed_fields: $0.changedFields, reason: $0.reason, reference: $0.reference) }))}"
        )
        digests["data.json"] = try data.finish()
        digests["orders.csv"] = try ordersCSV.finish()

        digests["account.csv"] = try writeCSV(
            work,
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
            work,
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
            work,
            "payment_methods.csv",
            ["brand", "card_number", "last4", "expiry"],
            customer.paymentMethods.map { [$0.brand, "collected", $0.last4, $0.expiry] }
        )
        digests["consents.csv"] = try writeCSV(
            work,
            "consents.csv",
            ["purpose", "granted", "source", "notice_version", "at"],
            consents.map { [$0.purpose, $0.granted ? "yes" : "no", $0.source, $0.noticeVersion, ISO.format($0.at)] }
        )
        digests["support_interactions.csv"] = try writeCSV(
            work,
            "support_interactions.csv",
            ["at", "channel", "transcript"],
            support.map { [ISO.format($0.at), $0.channel, $0.transcript] }
        )
        digests["security_events.csv"] = try writeCSV(
            work,
            "security_events.csv",
            ["at", "kind", "ip_address", "user_agent"],
            security.map { [ISO.format($0.at), $0.kind, $0.ipAddress ?? "", $0.userAgent ?? ""] }
        )

        let html = try HashingWriter(work.appendingPathComponent("index.html"))
        try html.write(
            ExportSummary(
                customer: customer,
                counts: [
                    ("Orders", orderCount), ("Addresses", customer.addresses.count),
                    ("Payment methods", customer.paymentMethods.count),
                    ("Consent records", consents.count), ("Support interactions", support.count),
                    ("Security events", security.count),
                    ("Privacy requests", requests.count), ("Record notes", notes.count),
                ],
                policies: policies,
                generatedAt: now
            ).html
        )
        digests["index.html"] = try html.finish()

        let manifest = Manifest(
            bundle_id: bundleID,
            request_id: request?.rawValue,
            created_at: ISO.format(now),
            format_version: Self.formatVersion,
            files: digests
        )
        let manifestWriter = try HashingWriter(work.appendingPathComponent("manifest.json"))
        try manifestWriter.write(try JSON.encode(manifest, pretty: true))
        _ = try manifestWriter.finish()

        try? FileManager.default.removeItem(at: zip)
        let archive = try Archive(url: zip, accessMode: .create)
        for name in (digests.keys.sorted() + ["manifest.json"]) {
            try archive.addEntry(with: name, fileURL: work.appendingPathComponent(name), compressionMethod: .deflate)
        }
        return digests
    }

    private func writeCSV(_ folder: URL, _ name: String, _ header: [String], _ rows: [[String]]) throws -> String {
        let writer = try HashingWriter(folder.appendingPathComponent(name))
        try writer.write(CSV.row(header))
        for row in rows { try writer.write(CSV.row(row)) }
        return try writer.finish()
    }

    // MARK: Encrypted bundles

    /// Builds the bundle for a request, stores it encrypted under the customer's key, records its link,
    /// and returns the record.
    public func build(for request: RequestID, account: AccountID) async throws -> ExportBundleRecord {
        let bundleID =
            "B-" + String(try random.uniform(below: UInt32.max), radix: 36).uppercased()
            + String(try random.uniform(below: UInt32.max), radix: 36).uppercased()
        let bundles = URL(fileURLWithPath: folder).appendingPathComponent("bundles")
        try FileManager.default.createDirectory(
            at: bundles,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        // The plain ZIP exists only inside a private (0700) folder, removed as soon as it is encrypted.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: scratch,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        defer { try? FileManager.default.removeItem(at: scratch) }
        let plain = scratch.appendingPathComponent("bundle.zip")
        _ = try await writeZip(account, request: request, bundleID: bundleID, to: plain)
        guard let cipher = try await store.fieldCipher(for: account.description) else {
            throw AccountError.notFound(account)
        }
        let sealed = bundles.appendingPathComponent("\(bundleID).lethe-bundle")
        let digest = try Self.encrypt(plain, to: sealed, cipher: cipher, bundleID: bundleID, chunkSize: chunkSize)
        let now = clock.now()
        let record = ExportBundleRecord(
            id: bundleID,
            accountID: account,
            requestID: request,
            path: "bundles/\(bundleID).lethe-bundle",
            sha256: digest,
            createdAt: now,
            expiresAt: now.addingTimeInterval(linkLifetime),
            downloadsLeft: downloads
        )
        try await store.recordBundle(record)
        return record
    }

    /// `magic ‖ (u32_be length ‖ sealed chunk)*`. Chunk n is sealed at field `chunk-n`, the last one at
    /// `final-n`, so reordered, dropped or truncated chunks fail to open. Returns the plain ZIP's SHA-256.
    static func encrypt(
        _ plain: URL,
        to sealed: URL,
        cipher: FieldCipher,
        bundleID: String,
        chunkSize: Int
    ) throws -> String {
        let input = try FileHandle(forReadingFrom: plain)
        defer { try? input.close() }
        guard
            FileManager.default.createFile(atPath: sealed.path, contents: magic, attributes: [.posixPermissions: 0o600])
        else {
            throw JobFailure(message: "cannot create \(sealed.lastPathComponent)")
        }
        let output = try FileHandle(forWritingTo: sealed)
        defer { try? output.close() }
        try output.seekToEnd()
        let hasher = try SHA256Hasher()
        var index = 0
        var current = try input.read(upToCount: chunkSize) ?? Data()
        while true {
            let next = try input.read(upToCount: chunkSize) ?? Data()
            try current.withUnsafeBytes { try hasher.update($0) }
            let field = (next.isEmpty ? "final-" : "chunk-") + String(index)
            let box = try cipher.seal(
                Array(current),
                at: FieldLocation(record: "export-bundle:\(bundleID)", field: field)
            )
            var length = UInt32(box.count).bigEndian
            try output.write(contentsOf: Data(bytes: &length, count: 4))
            try output.write(contentsOf: box)
            if next.isEmpty { break }
            current = next
            index += 1
        }
        return try hasher.finalizeHex()
    }

    /// Decrypts a bundle file to a plain ZIP, checking every chunk and that the last one is really last.
    public static func decrypt(_ sealed: URL, to plain: URL, cipher: FieldCipher, bundleID: String) throws {
        guard FileManager.default.createFile(atPath: plain.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw JobFailure(message: "cannot create \(plain.lastPathComponent)")
        }
        let output = try FileHandle(forWritingTo: plain)
        defer { try? output.close() }
        try openChunks(sealed, cipher: cipher, bundleID: bundleID) { try output.write(contentsOf: $0) }
    }

    /// Opens a bundle file chunk by chunk, handing each plain chunk to `write`; every chunk is
    /// authenticated and the last one must be marked last, so a truncated file is refused.
    static func openChunks(
        _ sealed: URL,
        cipher: FieldCipher,
        bundleID: String,
        write: ([UInt8]) throws -> Void
    ) throws {
        let input = try FileHandle(forReadingFrom: sealed)
        defer { try? input.close() }
        guard try input.read(upToCount: magic.count) == magic else { throw JobFailure(message: "not a Lethe bundle") }
        var index = 0
        var pending = try readChunk(input)
        while let box = pending {
            let next = try readChunk(input)
            let field = (next == nil ? "final-" : "chunk-") + String(index)
            try write(try cipher.open(box, at: FieldLocation(record: "export-bundle:\(bundleID)", field: field)))
            pending = next
            index += 1
        }
        guard index > 0 else { throw JobFailure(message: "empty bundle") }
    }

    private static func readChunk(_ input: FileHandle) throws -> [UInt8]? {
        guard let header = try input.read(upToCount: 4), header.count == 4 else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length <= maxChunk + FieldCiphertext.overhead, let box = try input.read(upToCount: length),
            box.count == length
        else {
            throw JobFailure(message: "bundle is truncated or corrupt")
        }
        return Array(box)
    }

    /// A bundle's record (where it is, its digest, its expiry and downloads left), or nil.
    /// - Throws: the store's errors.
    public func bundle(_ id: String) async throws -> ExportBundleRecord? { try await store.bundle(id) }

    /// The bundle built for a request, or nil while there is none.
    /// - Throws: the store's errors.
    public func bundle(forRequest request: RequestID) async throws -> ExportBundleRecord? {
        try await store.bundle(forRequest: request)
    }

    /// Counts a download and decrypts the bundle to `destination`, while the link is valid.
    public func download(_ bundleID: String, to destination: URL) async throws {
        let (sealed, cipher) = try await takeDownload(bundleID)
        try Self.decrypt(sealed, to: destination, cipher: cipher, bundleID: bundleID)
    }

    /// Counts a download and decrypts the bundle into memory, for sending over HTTP: the plain ZIP never
    /// touches the disk.
    public func downloadData(_ bundleID: String) async throws -> Data {
        let (sealed, cipher) = try await takeDownload(bundleID)
        var data = Data()
        try Self.openChunks(sealed, cipher: cipher, bundleID: bundleID) { data.append(contentsOf: $0) }
        return data
    }

    private func takeDownload(_ bundleID: String) async throws -> (URL, FieldCipher) {
        guard let record = try await store.takeDownload(bundleID, at: clock.now()) else {
            throw JobFailure(message: "bundle \(bundleID) has expired, was used up, or does not exist")
        }
        guard let cipher = try await store.fieldCipher(for: record.accountID.description) else {
            throw JobFailure(message: "the customer of bundle \(bundleID) has been erased")
        }
        return (URL(fileURLWithPath: folder).appendingPathComponent(record.path), cipher)
    }
}

// MARK: - Encodings

enum ISO {
    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC, by arithmetic: a formatter per call cost more than the rest of
    /// writing an order.
    static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(LocalDate(daysSinceEpoch: days))T\(two(time / 3600)):\(two(time % 3600 / 60)):\(two(time % 60))Z"
    }
}

enum JSON {
    /// A JSON string literal (RFC 8259 escapes), without an encoder.
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func string(_ text: String) -> String {
        (try? encode(text)) ?? "\"\""
    }
}

enum CSV {
    /// RFC 4180: quote every field, double embedded quotes, CRLF line ends.
    static func row(_ fields: [String]) -> String {
        fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\r\n"
    }
}

struct Manifest: Encodable {
    let bundle_id: String
    let request_id: String?
    let created_at: String
    let format_version: String
    let files: [String: String]

    // `request_id` is always present, null for a bundle an officer made outside a request: the synthesised
    // encoder would leave the key out, and the documented manifest has it.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(bundle_id, forKey: .bundle_id)
        try c.encode(request_id, forKey: .request_id)
        try c.encode(created_at, forKey: .created_at)
        try c.encode(format_version, forKey: .format_version)
        try c.encode(files, forKey: .files)
    }

    enum Key: String, CodingKey { case bundle_id, request_id, created_at, format_version, files }
}

struct AccountJSON: Encodable {
    let id: String, status: String, full_name: String, email: String, phone: String?, date_of_birth: String?
    let residence: String, created_at: String, language: String, subscription: String?
    let notification_settings: [String: Bool], password: String, security_answer: String, promo_code: String?

    init(_ a: Account) {
        id = a.id.description
        status = a.status.rawValue
        full_name = a.fullName
        email = a.email
        phone = a.phone
        date_of_birth = a.dateOfBirth?.description
        residence = a.residence
        created_at = ISO.format(a.createdAt)
        language = a.preferences.language
        subscription = a.preferences.subscription
        notification_settings = a.preferences.notifications
        // Passwords and security answers are never disclosed, only whether they are held (CCPA §7024(d)).
        password = a.holdsPassword ? "collected" : "not collected"
        security_answer = a.holdsSecurityAnswer ? "collected" : "not collected"
        promo_code = a.promoCode
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(full_name, forKey: .full_name)
        try c.encode(email, forKey: .email)
        try c.encode(phone, forKey: .phone)
        try c.encode(date_of_birth, forKey: .date_of_birth)
        try c.encode(residence, forKey: .residence)
        try c.encode(created_at, forKey: .created_at)
        try c.encode(language, forKey: .language)
        try c.encode(subscription, forKey: .subscription)
        try c.encode(notification_settings, forKey: .notification_settings)
        try c.encode(password, forKey: .password)
        try c.encode(security_answer, forKey: .security_answer)
        try c.encode(promo_code, forKey: .promo_code)
    }

    enum Key: String, CodingKey {
        case id, status, full_name, email, phone, date_of_birth, residence, created_at, language, subscription
        case notification_settings, password, security_answer, promo_code
    }
}

struct AddressJSON: Encodable {
    let label: String, line1: String, line2: String?, city: String, postal_code: String, country: String
    init(_ a: PostalAddress) {
        label = a.label
        line1 = a.line1
        line2 = a.line2
        city = a.city
        postal_code = a.postalCode
        country = a.country
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(label, forKey: .label)
        try c.encode(line1, forKey: .line1)
        try c.encode(line2, forKey: .line2)
        try c.encode(city, forKey: .city)
        try c.encode(postal_code, forKey: .postal_code)
        try c.encode(country, forKey: .country)
    }
    enum Key: String, CodingKey { case label, line1, line2, city, postal_code, country }
}

struct CardJSON: Encodable {
    let brand: String, card_number = "collected", last4: String, expiry: String
    init(_ p: PaymentMethodSummary) {
        brand = p.brand
        last4 = p.last4
        expiry = p.expiry
    }
}

struct OrderJSON: Encodable {
    let id: Int64, placed_at: String, total_cents: Int64, currency: String, status: String, items: String,
        shipping_address: String?
    /// The same object `JSONEncoder` with sorted keys would write, built directly: exports write one per order.
    var json: String {
        "{\"currency\":\(JSON.quote(currency)),\"id\":\(id),\"items\":\(JSON.quote(items)),\"placed_at\":\(JSON.quote(placed_at)),"
            + "\"shipping_address\":\(shipping_address.map(JSON.quote) ?? "null"),\"status\":\(JSON.quote(status)),"
            + "\"total_cents\":\(total_cents)}"
    }

    init(_ o: OrderRecord) {
        id = o.id
        placed_at = ISO.format(o.placedAt)
        total_cents = o.totalCents
        currency = o.currency
        status = o.status
        items = o.items
        shipping_address = o.shippingAddress
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(placed_at, forKey: .placed_at)
        try c.encode(total_cents, forKey: .total_cents)
        try c.encode(currency, forKey: .currency)
        try c.encode(status, forKey: .status)
        try c.encode(items, forKey: .items)
        try c.encode(shipping_address, forKey: .shipping_address)
    }
    enum Key: String, CodingKey { case id, placed_at, total_cents, currency, status, items, shipping_address }
}

struct ConsentJSON: Encodable {
    let purpose: String, granted: Bool, source: String, source_detail: String?, notice_version: String, at: String
    init(_ c: ConsentRecord) {
        purpose = c.purpose
        granted = c.granted
        source = c.source
        source_detail = c.sourceDetail
        notice_version = c.noticeVersion
        at = ISO.format(c.at)
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(purpose, forKey: .purpose)
        try c.encode(granted, forKey: .granted)
        try c.encode(source, forKey: .source)
        try c.encode(source_detail, forKey: .source_detail)
        try c.encode(notice_version, forKey: .notice_version)
        try c.encode(at, forKey: .at)
    }
    enum Key: String, CodingKey { case purpose, granted, source, source_detail, notice_version, at }
}

struct SupportJSON: Encodable { let at: String, channel: String, transcript: String }

struct SecurityJSON: Encodable {
    let at: String, kind: String, ip_address: String?, user_agent: String?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(at, forKey: .at)
        try c.encode(kind, forKey: .kind)
        try c.encode(ip_address, forKey: .ip_address)
        try c.encode(user_agent, forKey: .user_agent)
    }
    enum Key: String, CodingKey { case at, kind, ip_address, user_agent }
}

struct RequestJSON: Encodable { let id: String, kind: String, status: String, received_at: String, respond_by: String }

struct NoteJSON: Encodable {
    let at: String, changed_fields: [String], reason: String, reference: String?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(at, forKey: .at)
        try c.encode(changed_fields, forKey: .changed_fields)
        try c.encode(reason, forKey: .reason)
        try c.encode(reference, forKey: .reference)
    }
    enum Key: String, CodingKey { case at, changed_fields, reason, reference }
}

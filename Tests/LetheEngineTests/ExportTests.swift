import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import LetheTestSupport
import Testing
import ZIPFoundation

@testable import LetheEngine

@Suite("Export bundles")
struct ExportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A customer with something in every category, and many orders to exercise paging.
    func populate(_ h: RequestHarness) async throws {
        try await h.store.updateAccount(
            h.customer,
            changes: [
                .addPaymentMethod(
                    NewPaymentMethod(
                        card: try PaymentCardNumber("5555555555554444"),
                        cardholderName: "H Wrenfield",
                        expiry: try CardExpiry(month: 1, year: 2031)
                    )
                ),
                .subscription("annual-tea"),
            ],
            note: RecordNote(
                accountID: h.customer,
                at: h.clock.now(),
                author: "t",
                changedFields: ["payment-method"],
                reason: "card added",
                reference: nil,
                verification: nil
            ),
            notification: nil
        )
        try await h.store.addOrders(
            h.customer,
            (0..<2_500).map {
                Order(
                    placedAt: h.clock.now().addingTimeInterval(Double(-$0) * 3600),
                    totalCents: Int64(100 + $0),
                    currency: "GBP",
                    status: "delivered",
                    items: "Teapot \"deluxe\", ×\($0 % 4 + 1)",
                    shippingAddress: "2 Juniper Mews"
                )
            }
        )
        try await h.store.appendConsent(
            h.customer,
            ConsentRecord(
                purpose: "analytics",
                granted: false,
                source: "gpc-signal",
                sourceDetail: "Sec-GPC: 1",
                noticeVersion: "2026-01",
                at: h.clock.now()
            )
        )
        try await h.store.addSupportInteraction(
            h.customer,
            at: h.clock.now(),
            channel: "chat",
            transcript: "Where is my kettle?"
        )
        try await h.store.addSecurityEvent(
            h.customer,
            at: h.clock.now(),
            kind: "sign-in",
            ipAddress: "198.51.100.4",
            userAgent: "Firefox"
        )
    }

    func unzip(_ zip: URL) throws -> [String: Data] {
        let archive = try Archive(url: zip, accessMode: .read)
        var files: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            files[entry.path] = data
        }
        return files
    }

    func sha256(_ data: Data) throws -> String {
        let hasher = try SHA256Hasher()
        try data.withUnsafeBytes { try hasher.update($0) }
        return try hasher.finalizeHex()
    }

    @Test("An export request yields a bundle with every category, valid against its schema, with matching digests")
    func exportEndToEnd() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await populate(h)
        try await h.store.addRecipient(
            Recipient(
                id: "crm",
                name: "Acme CRM Ltd",
                categories: [.contact],
                webhookURL: "https://crm.example/hook",
                active: true
            ),
            secret: "0123456789abcdefXYZ",
            at: h.clock.now(),
            by: "test"
        )
        let id = try await p.approved(.export)
        #expect(try await p.runner.runOnce().completed == 1)
        let stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .completed)
        let bundle = try #require(try await h.store.expiredBundles(at: .distantFuture).first { $0.requestID == id })
        #expect(bundle.downloadsLeft == 3)
        // At rest the bundle is ciphertext: no plaintext of the customer in the file.
        let sealed = try Data(contentsOf: URL(fileURLWithPath: p.exporter.folder).appendingPathComponent(bundle.path))
        for secret in ["honora.w@example.org", "Juniper", "kettle"] {
            #expect(sealed.range(of: Data(secret.utf8)) == nil)
        }

        let zip = URL(fileURLWithPath: h.folder).appendingPathComponent("download.zip")
        try await p.exporter.download(bundle.id, to: zip)
        let files = try unzip(zip)
        #expect(
            Set(files.keys) == [
                "data.json", "orders.csv", "account.csv", "addresses.csv", "payment_methods.csv", "consents.csv",
                "support_interactions.csv", "security_events.csv", "index.html", "manifest.json",
            ]
        )
        struct Manifest: Decodable {
            let bundle_id: String
            let request_id: String?
            let format_version: String
            let files: [String: String]
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: try #require(files["manifest.json"]))
        #expect(manifest.bundle_id == bundle.id && manifest.request_id == id.rawValue && manifest.format_version == "1")
        for (name, digest) in manifest.files { #expect(try sha256(try #require(files[name])) == digest, "\(name)") }
        // The full card number appears nowhere; its presence is stated as "collected".
        for (name, data) in files { #expect(data.range(of: Data("5555555555554444".utf8)) == nil, "\(name)") }
        let json = try #require(files["data.json"])
        struct Shape: Decodable {
            struct Card: Decodable { let card_number: String, last4: String }
            struct Held: Decodable { let password: String, security_answer: String }
            struct Withheld: Decodable, Hashable { let record: String, field: String, held: Bool }
            let account: Held
            let orders: [AnyCodable]
            let payment_methods: [Card]
            let consents: [AnyCodable]
            let withheld: [Withheld]
        }
        let shape = try JSONDecoder().decode(Shape.self, from: json)
        // Every field classification.yaml marks held-only is listed, with whether this customer has it.
        #expect(
            Set(shape.withheld) == [
                .init(record: "account", field: "password-hash", held: false),
                .init(record: "account", field: "security-answer", held: true),
                .init(record: "payment-method", field: "card-number", held: true),
            ]
        )
        // What is held is reported, not assumed: this customer gave a security answer but never a password.
        #expect(shape.account.password == "not collected")
        #expect(shape.account.security_answer == "collected")
        #expect(
            String(decoding: try #require(files["account.csv"]), as: UTF8.self).contains(#""password","not collected""#)
        )
        #expect(shape.orders.count == 2_500)
        #expect(
            shape.payment_methods.map(\.card_number) == ["collected"] && shape.payment_methods.first?.last4 == "4444"
        )
        #expect(
            String(decoding: try #require(files["orders.csv"]), as: UTF8.self).split(separator: "\r\n").count == 2_501
        )
        // index.html is for a person: the data itself, in plain words, not counts or rule names.
        let html = String(decoding: try #require(files["index.html"]), as: UTF8.self)
        // (Apostrophes are escaped, as on every page Lethe builds by hand.)
        #expect(html.contains("Information Commissioner&#39;s Office") && html.contains("Your rights"))
        for held in [
            "Honora Wrenfield", "honora.w@example.org", "2 Juniper Mews, Exampleton, EX2 3AB, GB",
            "mastercard ending 4444",
            "Where is my kettle?", "198.51.100.4", "Teapot &quot;deluxe&quot;", id.rawValue,
        ] {
            #expect(html.contains(held), "index.html does not show \(held)")
        }
        #expect(html.contains("These are your first 200 of 2500 orders"))
        #expect(html.contains("you can change your mind until then"))
        #expect(!html.contains("deletion verified") && !html.contains("deletion-verified"))
        #expect(!html.contains("calendar days"))
        // GDPR Art 15(2): whether the data leaves the country, from Policies/controller.yaml.
        #expect(html.contains("Does your data leave your country?"))
        #expect(html.contains("We keep your data in the United Kingdom"))
        let controller = try ShippedPolicies.load().controller
        #expect(html.contains("Who we are") && html.contains(controller.name))
        #expect(html.contains("Acme CRM Ltd") && html.contains("Your email address and phone number"))
        #expect(!html.contains("5555555555554444"))
        // Validated against the published schema by an independent validator.
        let dataFile = URL(fileURLWithPath: h.folder).appendingPathComponent("data.json")
        try json.write(to: dataFile)
        let validator = Process()
        validator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        validator.arguments = [
            "python3", Self.root.appendingPathComponent("Tests/interop/validate_export.py").path,
            Self.root.appendingPathComponent("Exports/schema/export-bundle-v1.schema.json").path, dataFile.path,
        ]
        let errors = Pipe()
        validator.standardError = errors
        try validator.run()
        validator.waitUntilExit()
        #expect(
            validator.terminationStatus == 0,
            "\(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))"
        )
    }

    /// The export work folders earlier versions made in the temporary directory.
    static func scratchFolders() -> Set<String> {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)) ?? []
        return Set(names.filter { $0.hasPrefix("lethe-export-") || $0.hasPrefix("lethe-bundle-") })
    }

    @Test("An export streams into its sealed bundle: no plain scratch file, and ZIP readers check every entry")
    func exportLeavesNoPlainScratch() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await populate(h)
        let before = Self.scratchFolders()
        let watching = Task.detached { () -> Set<String> in
            var seen = Set<String>()
            while !Task.isCancelled {
                seen.formUnion(Self.scratchFolders().subtracting(before))
                try? await Task.sleep(for: .milliseconds(2))
            }
            return seen
        }
        let id = try await p.approved(.export)
        #expect(try await p.runner.runOnce().completed == 1)
        watching.cancel()
        #expect(await watching.value.isEmpty)

        let bundle = try #require(try await h.store.expiredBundles(at: .distantFuture).first { $0.requestID == id })
        let zip = URL(fileURLWithPath: h.folder).appendingPathComponent("streamed.zip")
        try await p.exporter.download(bundle.id, to: zip)
        let files = try unzip(zip)
        let csvLines = String(decoding: try #require(files["orders.csv"]), as: UTF8.self)
            .split(separator: "\r\n", omittingEmptySubsequences: true)
        let json = try #require(files["data.json"])
        let data = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect((data["orders"] as? [Any])?.count == 2_500)
        #expect(csvLines.count == 2_501)  // header and every order of data.json, across three pages

        // An independent reader: Python's zipfile checks each entry's CRC against the central directory.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip() or len(z.namelist()))",
            zip.path,
        ]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        let listed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(listed.trimmingCharacters(in: .whitespacesAndNewlines) == "10")
    }

    @Test("An officer's export outside a request says so in its manifest: request_id is present and null")
    func officerExportManifest() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let zip = URL(fileURLWithPath: h.folder).appendingPathComponent("officer.zip")
        _ = try await p.exporter.writeZip(h.customer, request: nil, bundleID: "B-OFFICER", to: zip)
        let manifest = try #require(try unzip(zip)["manifest.json"])
        let object = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        #expect(object.keys.contains("request_id"))
        #expect(object["request_id"] is NSNull)
        #expect(object["bundle_id"] as? String == "B-OFFICER")
    }

    @Test("A field the classification marks held-only is shown as collected in every file of the bundle")
    func heldOnlyDrivenByClassification() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        var sources = try ShippedPolicies.sources()
        let index = try #require(sources.firstIndex { $0.relativePath == "classification.yaml" })
        let original = sources[index]
        let line = "  - {record: contact, field: email, category: contact, sensitivity: personal, blind-index: true}"
        #expect(original.contents.contains(line))
        sources[index] = PolicySource(
            relativePath: original.relativePath,
            displayPath: original.displayPath,
            contents: original.contents.replacingOccurrences(
                of: line,
                with: line.replacingOccurrences(
                    of: "blind-index: true}",
                    with: "blind-index: true, disclosure: held-only}"
                )
            )
        )
        let exporter = ExportBuilder(
            store: h.store,
            policies: try PolicySet.load(sources),
            clock: h.clock,
            random: SeededRandomSource(seed: 4),
            folder: (h.folder as NSString).appendingPathComponent("Exports")
        )
        let zip = URL(fileURLWithPath: h.folder).appendingPathComponent("withheld.zip")
        _ = try await exporter.writeZip(h.customer, request: nil, bundleID: "B-WITHHELD", to: zip)
        let files = try unzip(zip)
        for (name, data) in files {
            #expect(data.range(of: Data("honora.w@example.org".utf8)) == nil, "the email in \(name)")
        }
        let data = try #require(files["data.json"])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["account"] as? [String: Any])?["email"] as? String == "collected")
        let withheld = try #require(object["withheld"] as? [[String: Any]])
        #expect(withheld.contains { $0["field"] as? String == "email" && $0["held"] as? Bool == true })
        // The name is not withheld: it is still there.
        #expect((object["account"] as? [String: Any])?["full_name"] as? String == "Honora Wrenfield")
    }

    @Test(
        "Every other field the exporter can withhold disappears from every file when the classification says so",
        arguments: [
            ("account", "full-name", "Honora Wrenfield"), ("address", "line1", "Juniper Mews"),
            ("address", "city", "Exampleton"), ("address", "postal-code", "EX2 3AB"),
        ]
    )
    func eachWithholdableField(record: String, field: String, value: String) async throws {
        #expect(FieldClassification.withholdable.contains("\(record).\(field)"))
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        var sources = try ShippedPolicies.sources()
        let index = try #require(sources.firstIndex { $0.relativePath == "classification.yaml" })
        let original = sources[index]
        let lines = original.contents.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("  - {record: \(record), field: \(field),")
                ? line.replacingOccurrences(of: "}", with: ", disclosure: held-only}") : String(line)
        }
        sources[index] = PolicySource(
            relativePath: original.relativePath,
            displayPath: original.displayPath,
            contents: lines.joined(separator: "\n")
        )
        let policies = try PolicySet.load(sources)
        #expect(policies.classification(record: record, field: field)?.heldOnly == true)
        let exporter = ExportBuilder(
            store: h.store,
            policies: policies,
            clock: h.clock,
            random: SeededRandomSource(seed: 5),
            folder: (h.folder as NSString).appendingPathComponent("Exports")
        )
        let zip = URL(fileURLWithPath: h.folder).appendingPathComponent("withheld-\(field).zip")
        _ = try await exporter.writeZip(h.customer, request: nil, bundleID: "B-\(field)", to: zip)
        for (name, data) in try unzip(zip) {
            #expect(data.range(of: Data(value.utf8)) == nil, "\(record).\(field) in \(name)")
        }
    }

    @Test("The sealed bundle holds back about two chunks of memory however much is written, and reads back whole")
    func sealedSinkMemoryStaysFlat() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let cipher = try #require(try await h.store.fieldCipher(for: h.customer.description))
        let file = URL(fileURLWithPath: h.folder).appendingPathComponent("flat.lethe-bundle")
        let sink = try SealedBundleSink(file, cipher: cipher, bundleID: "B-FLAT", chunkSize: 4096)
        var written = Data()
        var largest = 0
        for n in 0..<2_000 {
            // Writes of uneven sizes, so chunk edges fall anywhere within them.
            let bytes = Data((0..<(100 + n % 900)).map { UInt8(truncatingIfNeeded: $0 &+ n) })
            try sink.write(bytes)
            written.append(bytes)
            largest = max(largest, sink.heldCapacity)
        }
        _ = try sink.finish()
        #expect(written.count > 1_000_000)
        #expect(largest < 3 * 4096, "held back \(largest) bytes for a 4,096-byte chunk")
        let plain = URL(fileURLWithPath: h.folder).appendingPathComponent("flat.bin")
        try ExportBuilder.decrypt(file, to: plain, cipher: cipher, bundleID: "B-FLAT")
        #expect(try Data(contentsOf: plain) == written)
    }

    @Test("A tampered, truncated or reordered bundle is refused; links run out of downloads and expire")
    func tamperAndLinks() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await populate(h)
        let id = try await p.approved(.export)
        var exporter = p.exporter
        exporter.chunkSize = 4096  // several chunks, so truncation and reordering can be tried
        let bundle = try await exporter.build(for: id, account: h.customer)
        let path = URL(fileURLWithPath: p.exporter.folder).appendingPathComponent(bundle.path)
        let original = try Data(contentsOf: path)
        let cipher = try #require(try await h.store.fieldCipher(for: h.customer.description))
        let out = URL(fileURLWithPath: h.folder).appendingPathComponent("x.zip")
        #expect(throws: Never.self) { try ExportBuilder.decrypt(path, to: out, cipher: cipher, bundleID: bundle.id) }
        var flipped = original
        flipped[flipped.count / 2] ^= 1
        try flipped.write(to: path)
        #expect(throws: (any Error).self) {
            try ExportBuilder.decrypt(path, to: out, cipher: cipher, bundleID: bundle.id)
        }
        // Drop the last chunk: the new last chunk was sealed as "not final", so truncation is caught.
        let chunks = Self.chunks(original)
        #expect(chunks.count > 2)
        try (Data("LETHE-BUNDLE-1\n".utf8) + chunks.dropLast().reduce(Data(), +)).write(to: path)
        #expect(throws: (any Error).self) {
            try ExportBuilder.decrypt(path, to: out, cipher: cipher, bundleID: bundle.id)
        }
        var swapped = chunks
        swapped.swapAt(0, 1)
        try (Data("LETHE-BUNDLE-1\n".utf8) + swapped.reduce(Data(), +)).write(to: path)
        #expect(throws: (any Error).self) {
            try ExportBuilder.decrypt(path, to: out, cipher: cipher, bundleID: bundle.id)
        }
        try original.write(to: path)

        for _ in 0..<2 { try await p.exporter.download(bundle.id, to: out) }
        // The server's path streams chunk by chunk; it counts a download and gives the same ZIP bytes.
        var streamed = Data()
        var pieces = 0
        for try await piece in try await p.exporter.openDownload(bundle.id) {
            #expect(piece.count <= exporter.chunkSize)
            streamed.append(contentsOf: piece)
            pieces += 1
        }
        #expect(streamed == (try Data(contentsOf: out)))
        #expect(pieces == chunks.count)
        await #expect(throws: JobFailure.self) { try await p.exporter.download(bundle.id, to: out) }
        let second = try await exporter.build(for: id, account: h.customer)
        // Pulled, not pushed: the file is read a chunk at a time as the bytes are taken, so a chunk altered
        // after the download started is caught when it is reached, and what came before was genuine.
        let secondPath = URL(fileURLWithPath: p.exporter.folder).appendingPathComponent(second.path)
        let secondFile = try Data(contentsOf: secondPath)
        var iterator = try await exporter.openDownload(second.id).makeAsyncIterator()
        let head = try #require(try await iterator.next())
        #expect(Array(head.prefix(2)) == Array("PK".utf8))
        var reordered = Self.chunks(secondFile)
        reordered.swapAt(2, 3)
        try (Data("LETHE-BUNDLE-1\n".utf8) + reordered.reduce(Data(), +)).write(to: secondPath)
        await #expect(throws: (any Error).self) {
            while try await iterator.next() != nil {}
        }
        try secondFile.write(to: secondPath)
        h.clock.advance(7 * 86_400 + 1)
        await #expect(throws: JobFailure.self) { try await p.exporter.download(second.id, to: out) }
    }

    /// The length-prefixed chunks after the magic line.
    static func chunks(_ data: Data) -> [Data] {
        var chunks: [Data] = []
        var offset = data.startIndex + "LETHE-BUNDLE-1\n".utf8.count
        while offset + 4 <= data.endIndex {
            let length = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            chunks.append(data[offset..<offset + 4 + length])
            offset += 4 + length
        }
        return chunks
    }
}

/// Decodes and discards any JSON value, for counting array elements.
struct AnyCodable: Decodable {
    init(from decoder: any Decoder) throws {}
}

@Suite("Export encodings")
struct ExportEncodingTests {
    @Test("A hand-built order object decodes to the same values as the encoder's, awkward text included")
    func orderJSONMatchesEncoder() throws {
        let awkward = "Teapot \"deluxe\" \\ café ☕︎\n\ttab\u{1}"
        let order = Order(
            id: 7,
            placedAt: Date(timeIntervalSince1970: 1_790_000_123),
            totalCents: 1999,
            currency: "GBP",
            status: "delivered",
            items: awkward,
            shippingAddress: nil
        )
        struct Decoded: Decodable, Equatable {
            let id: Int64, placed_at: String, total_cents: Int64, currency: String, status: String, items: String,
                shipping_address: String?
        }
        let handBuilt = try JSONDecoder().decode(Decoded.self, from: Data(OrderJSON(order).json.utf8))
        #expect(handBuilt.items == awkward)
        #expect(handBuilt.shipping_address == nil)
        let foundation = ISO8601DateFormatter()
        foundation.formatOptions = [.withInternetDateTime]
        #expect(handBuilt.placed_at == foundation.string(from: order.placedAt))
        for seconds in [-86_401.5, -1, 0, 59.9, 951_782_400, 1_790_000_123, 4_102_444_799] {
            let instant = Date(timeIntervalSince1970: seconds)
            #expect(ISO.format(instant) == foundation.string(from: instant), "\(seconds)")
        }
    }

    @Test(
        "a CSV field is always quoted and its quotes doubled, whatever else it holds",
        arguments: [
            (["plain", ""], "\"plain\",\"\"\r\n"),
            (["say \"hi\"", "a,b"], "\"say \"\"hi\"\"\",\"a,b\"\r\n"),
            (["line\r\nbreak", "\"\u{301}café"], "\"line\r\nbreak\",\"\"\"\u{301}café\"\r\n"),
            (["\"", "☕︎\"☕︎"], "\"\"\"\",\"☕︎\"\"☕︎\"\r\n"),
        ]
    )
    func csvRowsQuoteEveryField(fields: [String], expected: String) {
        #expect(Array(CSV.row(fields).utf8) == Array(expected.utf8))
    }

    @Test(
        "a JSON string literal decodes to the text it was made from, escaped or not",
        arguments: ["GBP", "", "café ☕︎", "say \"hi\"", "back\\slash", "tab\tnew\nline\u{1}\u{1f}", "\"\u{301}"]
    )
    func jsonQuoteRoundTrips(text: String) throws {
        let literal = JSON.quote(text)
        #expect(try JSONDecoder().decode(String.self, from: Data(literal.utf8)) == text)
        #expect(literal == (try JSON.encode(text)), "the same bytes the encoder writes")
    }

    @Test(
        "the summary page writes a date and time as en_GB's formatter does, without one per call",
        arguments: [-86_401.5, -1, 0, 59.9, 951_782_400, 1_790_000_123, 4_102_444_799, -12_219_292_800]
    )
    func summaryDatesMatchFoundation(seconds: Double) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMMM yyyy, HH:mm 'UTC'"
        let instant = Date(timeIntervalSince1970: seconds)
        #expect(ExportSummary.when(instant) == formatter.string(from: instant))
    }
}

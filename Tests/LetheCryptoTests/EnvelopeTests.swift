import Foundation
import Testing

@testable import LetheCrypto

/// A customer's key material as the store will hold it: the wrapped key plus a cipher built from it.
struct CustomerKeys {
    let wrapped: WrappedDataKey
    let cipher: FieldCipher

    init(_ keyring: MasterKeyring, customer: String) throws {
        let (key, wrapped) = try keyring.newDataKey(customerID: customer)
        self.wrapped = wrapped
        self.cipher = try FieldCipher(dataKey: key, keyID: wrapped.id, customerID: customer)
    }
}

@Suite("Field encryption and envelope keys")
struct EnvelopeTests {
    let email = FieldLocation(record: "contact", field: "email")
    let phone = FieldLocation(record: "contact", field: "phone")

    @Test("A sealed field opens only at its own place, for its own customer")
    func contextBinding() throws {
        let keyring = try MasterKeyring.generate()
        let alice = try CustomerKeys(keyring, customer: "TR-04217")
        let sealed = try alice.cipher.seal("jane.doe@example.com", at: email)
        #expect(try alice.cipher.openString(sealed, at: email) == "jane.doe@example.com")
        #expect(sealed.count == "jane.doe@example.com".utf8.count + FieldCiphertext.overhead)
        #expect(throws: CryptoError.authenticationFailed) { try alice.cipher.open(sealed, at: phone) }
        #expect(throws: CryptoError.authenticationFailed) {
            try alice.cipher.open(sealed, at: FieldLocation(record: "address", field: "email"))
        }
        // The same key presented for another customer id (a row copied across customers) fails too.
        let key = try keyring.unwrap(alice.wrapped)
        let impostor = try FieldCipher(dataKey: key, keyID: alice.wrapped.id, customerID: "TR-04218")
        #expect(throws: CryptoError.authenticationFailed) { try impostor.open(sealed, at: email) }
        // Another customer's key does not open it: the header names a key that is not theirs.
        let bob = try CustomerKeys(keyring, customer: "TR-00001")
        #expect(throws: CryptoError.unknownDataKey(keyID: alice.wrapped.id.keyID, keyVersion: 1)) {
            try bob.cipher.open(sealed, at: email)
        }
    }

    @Test("A row-bound value opens only in its own row, and neither format opens as the other")
    func rowBinding() throws {
        let keys = try CustomerKeys(try MasterKeyring.generate(), customer: "TR-04217")
        let home: [UInt8] = Array(repeating: 0xA1, count: 16)
        let work: [UInt8] = Array(repeating: 0xB2, count: 16)
        let sealed = try keys.cipher.seal(Array("1 Quillfeather Lane".utf8), at: email, row: home)
        #expect(sealed[0] == FieldCiphertext.formatRowBound)
        #expect(sealed.count == "1 Quillfeather Lane".utf8.count + FieldCiphertext.overhead)
        #expect(try keys.cipher.openString(sealed, at: email, row: home) == "1 Quillfeather Lane")
        // Another row of the same customer, or the row's next revision, does not open it.
        #expect(throws: CryptoError.authenticationFailed) { try keys.cipher.open(sealed, at: email, row: work) }
        #expect(throws: CryptoError.authenticationFailed) { try keys.cipher.open(sealed, at: email, row: []) }
        // An unbound value is refused where a bound one is expected (no downgrade), and the other way round.
        let unbound = try keys.cipher.seal("1 Quillfeather Lane", at: email)
        #expect(throws: CryptoError.unknownFormatVersion(FieldCiphertext.formatAES256GCM)) {
            try keys.cipher.open(unbound, at: email, row: home)
        }
        #expect(throws: CryptoError.unknownFormatVersion(FieldCiphertext.formatRowBound)) {
            try keys.cipher.open(sealed, at: email)
        }
        // The header still routes both formats to their data key.
        #expect(try FieldCiphertext.keyID(of: sealed) == keys.wrapped.id)
    }

    @Test("Flipping any single byte of a field ciphertext is detected with the right error")
    func everyByteFlipped() throws {
        let keyring = try MasterKeyring.generate()
        let keys = try CustomerKeys(keyring, customer: "TR-04217")
        let sealed = try keys.cipher.seal("+44 20 7946 0958", at: phone)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            do {
                _ = try keys.cipher.open(tampered, at: phone)
                Issue.record("byte \(index) flipped was accepted")
            } catch {
                switch index {
                case 0: #expect(error == .unknownFormatVersion(sealed[0] ^ 1))
                case 1..<7:
                    #expect(
                        error
                            == .unknownDataKey(
                                keyID: try FieldCiphertext.keyID(of: tampered).keyID,
                                keyVersion: try FieldCiphertext.keyID(of: tampered).version
                            )
                    )
                default: #expect(error == .authenticationFailed, "byte \(index): \(error)")
                }
            }
        }
        for length in [0, 1, 7, FieldCiphertext.overhead - 1] {
            #expect(throws: CryptoError.self) { try keys.cipher.open(Array(sealed.prefix(length)), at: phone) }
        }
        // Truncating only the tag end still fails authentication, never returns partial plaintext.
        #expect(throws: CryptoError.authenticationFailed) { try keys.cipher.open(Array(sealed.dropLast()), at: phone) }
    }

    @Test("A wrapped data key opens only with the right master key, version and customer")
    func wrappedKeys() throws {
        let keyring = try MasterKeyring.generate()
        let (key, wrapped) = try keyring.newDataKey(customerID: "TR-04217")
        #expect(try keyring.unwrap(wrapped).withUnsafeBytes { Array($0) } == key.withUnsafeBytes { Array($0) })
        #expect(wrapped.sealed.count == 60)
        let stranger = try MasterKeyring.generate()
        #expect(throws: CryptoError.authenticationFailed) { try stranger.unwrap(wrapped) }
        let moved = WrappedDataKey(
            customerID: "TR-09999",
            id: wrapped.id,
            masterVersion: wrapped.masterVersion,
            sealed: wrapped.sealed
        )
        #expect(throws: CryptoError.authenticationFailed) { try keyring.unwrap(moved) }
        let otherVersion = WrappedDataKey(
            customerID: wrapped.customerID,
            id: wrapped.id,
            masterVersion: 7,
            sealed: wrapped.sealed
        )
        #expect(throws: CryptoError.unknownMasterKeyVersion(7)) { try keyring.unwrap(otherVersion) }
    }

    @Test("Purpose keys are independent of each other and of the master version")
    func purposeKeys() throws {
        let keyring = try MasterKeyring.generate()
        func bytes(_ purpose: KeyPurpose, _ version: UInt32? = nil, in ring: MasterKeyring) throws -> [UInt8] {
            try ring.purposeKey(purpose, version: version).withUnsafeBytes { Array($0) }
        }
        let email = try bytes(.blindIndex(record: "contact", field: "email"), in: keyring)
        let phone = try bytes(.blindIndex(record: "contact", field: "phone"), in: keyring)
        let audit = try bytes(.auditSigning, in: keyring)
        #expect(Set([email, phone, audit]).count == 3)
        #expect(try bytes(.auditSigning, in: keyring) == audit)
        let rotated = try keyring.rotated()
        #expect(try bytes(.auditSigning, in: rotated) != audit)
        #expect(try bytes(.auditSigning, 1, in: rotated) == audit)
    }

    /// Holds the current wrapped keys while a rewrap job moves them to a new master version.
    actor KeyTable {
        var rows: [String: WrappedDataKey]
        init(_ rows: [String: WrappedDataKey]) { self.rows = rows }
        func row(_ customer: String) -> WrappedDataKey? { rows[customer] }
        func replace(_ key: WrappedDataKey) { rows[key.customerID] = key }
        func destroy(_ customer: String) { rows[customer] = nil }
    }

    @Test(
        "Rotation rewraps every data key while readers keep opening fields; retiring the old version shreds old backups"
    )
    func rotationUnderConcurrentReads() async throws {
        let old = try MasterKeyring.generate()
        let customers = (0..<200).map { "TR-\(String(format: "%05d", $0))" }
        var rows: [String: WrappedDataKey] = [:]
        var sealed: [String: [UInt8]] = [:]
        for customer in customers {
            let (key, wrapped) = try old.newDataKey(customerID: customer)
            rows[customer] = wrapped
            sealed[customer] = try FieldCipher(dataKey: key, keyID: wrapped.id, customerID: customer)
                .seal("mail-\(customer)@example.com", at: email)
        }
        let backup = rows  // a backup taken before rotation
        let table = KeyTable(rows)
        let both = try old.rotated()  // versions 1 and 2, 2 primary
        let sealedValues = sealed
        let location = email
        try await withThrowingTaskGroup(of: Int.self) { group in
            // Readers: unwrap whatever is current and open the field, over and over.
            for reader in 0..<3 {
                group.addTask {
                    var reads = 0
                    for round in 0..<400 {
                        let customer = customers[(round * 7 + reader * 13) % customers.count]
                        guard let row = await table.row(customer), let value = sealedValues[customer] else { continue }
                        let cipher = try FieldCipher(dataKey: try both.unwrap(row), keyID: row.id, customerID: customer)
                        #expect(try cipher.openString(value, at: location) == "mail-\(customer)@example.com")
                        reads += 1
                    }
                    return reads
                }
            }
            // The rewrap job, in batches of 25.
            group.addTask {
                for batch in stride(from: 0, to: customers.count, by: 25) {
                    for customer in customers[batch..<min(batch + 25, customers.count)] {
                        guard let row = await table.row(customer) else { continue }
                        await table.replace(try both.rewrap(row))
                    }
                    await Task.yield()
                }
                return 0
            }
            var total = 0
            for try await reads in group { total += reads }
            #expect(total == 1200)
        }
        for customer in customers { #expect(await table.row(customer)?.masterVersion == 2) }
        // Retire version 1: the backup's wrapped keys are now useless, even though the backup still exists.
        let current = try both.retiring(1)
        let backedUp = try #require(backup["TR-00042"])
        #expect(throws: CryptoError.unknownMasterKeyVersion(1)) { try current.unwrap(backedUp) }
        // Live keys still work after the retirement.
        let live = try #require(await table.row("TR-00042"))
        #expect(throws: Never.self) { try current.unwrap(live) }
    }

    @Test("Crypto-shredding: once a customer's data key is destroyed, no copy of their ciphertext opens")
    func cryptoShredding() async throws {
        let keyring = try MasterKeyring.generate()
        let (key, wrapped) = try keyring.newDataKey(customerID: "TR-04217")
        let value = try FieldCipher(dataKey: key, keyID: wrapped.id, customerID: "TR-04217").seal("Jane Doe", at: email)
        let table = KeyTable(["TR-04217": wrapped])
        await table.destroy("TR-04217")
        #expect(await table.row("TR-04217") == nil)
        // A fresh key for the same customer cannot open the old ciphertext either.
        let (newKey, newWrapped) = try keyring.newDataKey(customerID: "TR-04217")
        let cipher = try FieldCipher(dataKey: newKey, keyID: newWrapped.id, customerID: "TR-04217")
        #expect(throws: CryptoError.self) { try cipher.open(value, at: email) }
        // And a key table backup taken before the shred dies with the master version it was wrapped under.
        let rotated = try keyring.rotated().retiring(1)
        #expect(throws: CryptoError.unknownMasterKeyVersion(1)) { try rotated.unwrap(wrapped) }
    }
}

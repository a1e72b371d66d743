import Foundation
import Testing

@testable import LetheCrypto

@Suite("Independent decryption (Python cryptography)")
struct PythonInteropTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("interop/decrypt_field.py")

    struct Fixture: Encodable {
        let master_key: String
        let master_version: UInt32
        let customer_id: String
        let key_id: UInt32
        let key_version: UInt16
        let wrapped: String
        let record: String
        let field: String
        let ciphertext: String
        /// The row a row-bound value is bound to, base64; nil for an unbound value.
        var row: String?
    }

    func runPython(_ fixture: Fixture) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(fixture))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func fixture(
        plaintext: String,
        record: String = "contact",
        field: String = "email",
        tamperRecord: String? = nil,
        row: [UInt8]? = nil
    ) throws
        -> Fixture
    {
        // Rotate once so the test also covers a non-initial master version.
        let keyring = try MasterKeyring.generate().rotated()
        let (key, wrapped) = try keyring.newDataKey(customerID: "TR-04217")
        let cipher = try FieldCipher(dataKey: key, keyID: wrapped.id, customerID: "TR-04217")
        let location = FieldLocation(record: record, field: field)
        let sealed =
            try row.map { try cipher.seal(Array(plaintext.utf8), at: location, row: $0) }
            ?? cipher.seal(plaintext, at: location)
        let master = try keyring.key(keyring.primaryVersion).withUnsafeBytes { Data($0).base64EncodedString() }
        return Fixture(
            master_key: master,
            master_version: wrapped.masterVersion,
            customer_id: "TR-04217",
            key_id: wrapped.id.keyID,
            key_version: wrapped.id.version,
            wrapped: Data(wrapped.sealed).base64EncodedString(),
            record: tamperRecord ?? record,
            field: field,
            ciphertext: Data(sealed).base64EncodedString(),
            row: row.map { Data($0).base64EncodedString() }
        )
    }

    @Test("Python decrypts Lethe's field ciphertext from the master key, following docs/encryption.md")
    func pythonDecrypts() throws {
        for plaintext in ["jane.doe@example.com", "Zoë Ångström, 12 Rue de l'Été", ""] {
            let result = try runPython(fixture(plaintext: plaintext))
            #expect(result.status == 0)
            #expect(result.output == plaintext)
        }
    }

    @Test("Python decrypts a row-bound value with its row and refuses it under another row, as Lethe does")
    func pythonRowBound() throws {
        let reference: [UInt8] = Array(0..<16)
        var good = try fixture(plaintext: "1 Quillfeather Lane", record: "address", field: "line1", row: reference)
        let result = try runPython(good)
        #expect(result.status == 0)
        #expect(result.output == "1 Quillfeather Lane")
        good.row = Data(Array(1..<17)).base64EncodedString()
        #expect(try runPython(good).status == 1)
        good.row = nil
        #expect(try runPython(good).status == 1)
    }

    @Test("Python refuses a ciphertext presented for another field, as Lethe does")
    func pythonRefusesMovedValue() throws {
        let result = try runPython(fixture(plaintext: "jane.doe@example.com", tamperRecord: "address"))
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
    }
}

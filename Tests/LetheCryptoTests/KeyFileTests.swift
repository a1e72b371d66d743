import Foundation
import Testing

@testable import LetheCrypto

@Suite("Master key loading")
struct KeyFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lethe-key-\(UUID().uuidString)").path
    }

    @Test("A key file is written 0600 and loads back with every version")
    func roundTrip() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let keyring = try MasterKeyring.generate().rotated()
        try keyring.write(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try MasterKeyring.load(file: path)
        #expect(loaded.versions == [1, 2])
        #expect(loaded.primaryVersion == 2)
        let (_, wrapped) = try keyring.newDataKey(customerID: "TR-00001")
        #expect(throws: Never.self) { try loaded.unwrap(wrapped) }
    }

    @Test("A key file readable by group or others is refused with the fix")
    func refusesLoosePermissions() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try MasterKeyring.generate().write(to: path)
        chmod(path, 0o644)
        #expect {
            try MasterKeyring.load(file: path)
        } throws: { error in
            "\(error)".contains("chmod 600") && "\(error)".contains("644")
        }
    }

    @Test("LETHE_MASTER_KEY takes precedence and must be 32 bytes of base64")
    func environment() throws {
        let raw = try SecureRandom.bytes(32)
        let keyring = try #require(
            try MasterKeyring.load(
                environment: ["LETHE_MASTER_KEY": Data(raw).base64EncodedString()],
                keyFile: "/nonexistent"
            )
        )
        #expect(keyring.versions == [1])
        #expect(throws: CryptoError.self) {
            try MasterKeyring.load(environment: ["LETHE_MASTER_KEY": "c2hvcnQ="], keyFile: "/nonexistent")
        }
        #expect(try MasterKeyring.load(environment: [:], keyFile: "/nonexistent") == nil)
    }

    @Test("The primary version cannot be retired; an unknown one is named")
    func retirement() throws {
        let keyring = try MasterKeyring.generate()
        #expect(throws: CryptoError.self) { try keyring.retiring(1) }
        #expect(throws: CryptoError.unknownMasterKeyVersion(9)) { try keyring.rotated().retiring(9) }
    }

    @Test("LETHE_MASTER_KEYS holds several versions, the highest primary; malformed lists are refused")
    func severalVersionsFromTheEnvironment() throws {
        let one = Data(repeating: 1, count: 32).base64EncodedString()
        let two = Data(repeating: 2, count: 32).base64EncodedString()
        let keyring = try #require(
            try MasterKeyring.load(environment: ["LETHE_MASTER_KEYS": "1:\(one), 2:\(two)"], keyFile: temporaryPath())
        )
        #expect(keyring.versions == [1, 2])
        #expect(keyring.primaryVersion == 2)
        for bad in ["", "1:\(one),1:\(two)", "0:\(one)", "x:\(one)", "1:short", "1\(one)"] {
            #expect(throws: CryptoError.self, "\(bad)") {
                try MasterKeyring.load(environment: ["LETHE_MASTER_KEYS": bad], keyFile: temporaryPath())
            }
        }
    }

    @Test(
        "a staged version is loaded beside the primary: from the environment with LETHE_MASTER_KEY_PRIMARY, in a file by staging"
    )
    func stagedVersions() throws {
        let one = Data(repeating: 1, count: 32).base64EncodedString()
        let two = Data(repeating: 2, count: 32).base64EncodedString()
        let staged = try #require(
            try MasterKeyring.load(
                environment: ["LETHE_MASTER_KEYS": "1:\(one),2:\(two)", "LETHE_MASTER_KEY_PRIMARY": "1"],
                keyFile: temporaryPath()
            )
        )
        #expect(staged.primaryVersion == 1)
        #expect(staged.stagedVersion == 2)
        #expect(try staged.promoting(2).stagedVersion == nil)
        #expect(throws: CryptoError.self) {
            try MasterKeyring.load(
                environment: ["LETHE_MASTER_KEYS": "1:\(one)", "LETHE_MASTER_KEY_PRIMARY": "3"],
                keyFile: temporaryPath()
            )
        }
        let path = temporaryPath()
        let file = try MasterKeyring.generate().staged()
        try file.write(to: path)
        let reread = try MasterKeyring.load(file: path)
        #expect(reread.versions == [1, 2])
        #expect(reread.primaryVersion == 1)
        #expect(reread.stagedVersion == 2)
    }
}

import COpenSSL
import Foundation
import Testing

@testable import LetheCrypto

@Suite("Published known-answer vectors")
struct KnownAnswerTests {
    /// The GCM specification's AES-256 test cases 13-16 (McGrew and Viega), as used in NIST's validation.
    static let gcmCases:
        [(name: String, key: String, iv: String, plaintext: String, aad: String, ciphertextAndTag: String)] = {
            let k = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
            let iv = "cafebabefacedbaddecaf888"
            let p =
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
            let c =
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
            return [
                (
                    "TC13", String(repeating: "00", count: 32), String(repeating: "00", count: 12), "", "",
                    "530f8afbc74536b9a963b4f1c4cb738b"
                ),
                (
                    "TC14", String(repeating: "00", count: 32), String(repeating: "00", count: 12),
                    String(repeating: "00", count: 16), "",
                    "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
                ),
                ("TC15", k, iv, p, "", c + "b094dac5d93471bdec1a502270e3cc6c"),
                (
                    "TC16", k, iv, String(p.prefix(120)), "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                    String(c.prefix(120)) + "76fc6ece0f4e1768cddf8853bb2d551b"
                ),
            ]
        }()

    @Test("AES-256-GCM seals and opens the GCM specification's test cases", arguments: gcmCases)
    func aesGCM(
        testCase: (name: String, key: String, iv: String, plaintext: String, aad: String, ciphertextAndTag: String)
    )
        throws
    {
        let cipher = try AES256GCM(key: SecretBytes([UInt8](hex: testCase.key)))
        let sealed = try cipher.seal(
            [UInt8](hex: testCase.plaintext),
            aad: [UInt8](hex: testCase.aad),
            fixedNonce: [UInt8](hex: testCase.iv)
        )
        #expect(sealed.hex == testCase.iv + testCase.ciphertextAndTag)
        let aad = [UInt8](hex: testCase.aad)
        let opened = try sealed.withUnsafeBytes { box in try aad.withUnsafeBytes { try cipher.open(box, aad: $0) } }
        #expect(opened.hex == testCase.plaintext)
    }

    @Test(
        "HMAC-SHA256 matches RFC 4231 test cases 1 and 2",
        arguments: [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
        ]
    )
    func hmac(key: [UInt8], message: [UInt8], expected: String) throws {
        let mac = try HMACSHA256(key: SecretBytes(key))
        #expect(try mac.authenticate(message).hex == expected)
        // The reused context gives the same answer a second time.
        #expect(try mac.authenticate(message).hex == expected)
    }

    @Test("HKDF-SHA256 matches RFC 5869 test case 1")
    func hkdf() throws {
        let okm = try HKDFSHA256.derive(
            from: SecretBytes([UInt8](repeating: 0x0b, count: 22)),
            salt: [UInt8](hex: "000102030405060708090a0b0c"),
            info: [UInt8](hex: "f0f1f2f3f4f5f6f7f8f9"),
            length: 42
        )
        #expect(
            okm.withUnsafeBytes { Array($0) }.hex
                == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        )
    }

    @Test("Constant-time comparison agrees with ==")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([], []))
    }
}

@Suite("AES-256-GCM behaviour")
struct AESGCMBehaviourTests {
    @Test("Empty and multi-megabyte plaintexts round-trip; two seals of one plaintext differ")
    func roundTrips() throws {
        let cipher = try AES256GCM(key: SecretBytes(randomCount: 32))
        for size in [0, 1, 64, 1024, 3 * 1024 * 1024 + 5] {
            let plaintext = try SecureRandom.bytes(size)
            let aad: [UInt8] = [1, 2, 3]
            let a = try plaintext.withUnsafeBytes { p in try aad.withUnsafeBytes { try cipher.seal(p, aad: $0) } }
            let b = try plaintext.withUnsafeBytes { p in try aad.withUnsafeBytes { try cipher.seal(p, aad: $0) } }
            #expect(a != b)
            #expect(a.count == size + AES256GCM.overhead)
            let opened = try a.withUnsafeBytes { box in try aad.withUnsafeBytes { try cipher.open(box, aad: $0) } }
            #expect(opened == plaintext)
        }
    }

    @Test("Buffered nonces never repeat across refills")
    func distinctNonces() throws {
        let cipher = try AES256GCM(key: SecretBytes(randomCount: 32))
        var seen = Set<[UInt8]>()
        let empty: [UInt8] = []
        for _ in 0..<2000 {
            let sealed = try empty.withUnsafeBytes { p in try cipher.seal(p, aad: p) }
            seen.insert(Array(sealed.prefix(12)))
        }
        #expect(seen.count == 2000)
    }

    @Test("A failed open throws a typed error and leaves OpenSSL's error queue empty")
    func failureLeavesQueueEmpty() throws {
        let cipher = try AES256GCM(key: SecretBytes(randomCount: 32))
        let plain = Array("secret".utf8)
        var sealed = try plain.withUnsafeBytes { try cipher.seal($0, aad: $0) }
        sealed[sealed.count - 1] ^= 1
        #expect(throws: CryptoError.authenticationFailed) {
            try sealed.withUnsafeBytes { box in try plain.withUnsafeBytes { try cipher.open(box, aad: $0) } }
        }
        #expect(ERR_peek_error() == 0)
        #expect(throws: CryptoError.self) {
            try [UInt8](repeating: 0, count: 10).withUnsafeBytes { try cipher.open($0, aad: $0) }
        }
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 16)) {
            try AES256GCM(key: SecretBytes([UInt8](repeating: 0, count: 16)))
        }
    }
}

@Suite("Password hashing")
struct PasswordHashingTests {
    @Test("scrypt matches RFC 7914 test vector 2 (N=1024, r=8, p=16)")
    func rfc7914() throws {
        // RFC 7914 section 12: P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64.
        let stored =
            "$scrypt$ln=10,r=8,p=16$TmFDbA==$"
            + Data([UInt8](hex: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162").prefix(32))
            .base64EncodedString()
        #expect(PasswordHasher.verify("password", against: stored))
        #expect(!PasswordHasher.verify("Password", against: stored))
    }

    @Test("A hash verifies its password only, and two hashes of one password differ")
    func roundTrip() throws {
        let hasher = PasswordHasher(logN: 10)
        let a = try hasher.hash("correct horse battery staple")
        let b = try hasher.hash("correct horse battery staple")
        #expect(a != b)
        #expect(a.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(PasswordHasher.verify("correct horse battery staple", against: a))
        #expect(!PasswordHasher.verify("wrong", against: a))
        #expect(!PasswordHasher.verify("x", against: "$scrypt$garbage"))
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("Streaming SHA-256 matches FIPS 180-2 examples, however the input is split")
    func vectors() throws {
        let abc = try SHA256Hasher()
        try Array("ab".utf8).withUnsafeBytes { try abc.update($0) }
        try Array("c".utf8).withUnsafeBytes { try abc.update($0) }
        #expect(try abc.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let empty = try SHA256Hasher()
        #expect(try empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

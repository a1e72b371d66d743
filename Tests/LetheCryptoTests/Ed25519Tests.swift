import Foundation
import Testing

@testable import LetheCrypto

@Suite("Ed25519 (agents' signatures)")
struct Ed25519Tests {
    // RFC 8032 §7.1, TEST 1 and TEST 2.
    static let vectors: [(secret: String, public: String, message: String, signature: String)] = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
    ]

    @Test("RFC 8032 vectors: the key derives, the signature matches and verifies; one flipped bit does not")
    func knownAnswers() throws {
        for vector in Self.vectors {
            let key = try Ed25519SigningKey(seed: SecretBytes([UInt8](hex: vector.secret)))
            #expect(key.publicKey.rawRepresentation.hex == vector.public)
            let message = [UInt8](hex: vector.message)
            let signature = try key.signature(for: message)
            #expect(signature.hex == vector.signature)
            let verifier = try Ed25519PublicKey(rawRepresentation: [UInt8](hex: vector.public))
            #expect(verifier.isValidSignature(signature, for: message))
            var flipped = signature
            flipped[10] ^= 0x04
            #expect(!verifier.isValidSignature(flipped, for: message))
            #expect(!verifier.isValidSignature(signature, for: message + [0]))
            #expect(!verifier.isValidSignature(signature.dropLast(), for: message))
        }
    }

    @Test("Keys load from base64 (standard or URL-safe, padded or not) and from hex, all to the same key")
    func keyForms() throws {
        let raw = [UInt8](hex: Self.vectors[0].public)
        let standard = Data(raw).base64EncodedString()
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        for form in [standard, urlSafe, String(standard.dropLast()), Self.vectors[0].public, " \(standard)\n"] {
            #expect(try Ed25519PublicKey(encoded: form).rawRepresentation == raw)
        }
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(encoded: "not a key") }
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(encoded: Data(raw.dropLast()).base64EncodedString()) }
    }

    @Test(
        "Keys of small order, and their sign-flipped encodings, are refused",
        arguments: [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000080",
        ]
    )
    func smallOrder(_ hex: String) {
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(rawRepresentation: [UInt8](hex: hex)) }
    }
}

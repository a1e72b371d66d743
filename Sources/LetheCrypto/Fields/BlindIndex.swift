/// Why a value cannot be indexed. The message describes the shape, never the value.
public enum NormalisationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not `local@domain.tld`, or it holds whitespace or control characters.
    case invalidEmail
    /// Not an international number: no leading `+` or `00`, a stray character, or not 8 to 15 digits.
    case invalidPhone

    /// A message that names the expected shape, safe to log or show because it never repeats the input.
    public var description: String {
        switch self {
        case .invalidEmail: return "not an email address (expected local@domain)"
        case .invalidPhone: return "not an international phone number (expected + and 8 to 15 digits, E.164)"
        }
    }
}

/// Keyed lookup tokens: find a customer by email or phone without decrypting every row.
///
/// A token is HMAC-SHA256 under a key derived for this one field (``KeyPurpose/blindIndex(record:field:)``)
/// over `LP(record) ‖ LP(field) ‖ normalised value`, truncated to `length` bytes. Equal inputs give
/// equal tokens: that equality is what the index leaks (docs/encryption.md weighs it). Shorter
/// tokens leak less and give more false positives, which the caller removes by decrypting candidates.
public final class BlindIndex {
    /// The field this index serves (e.g. `contact.email`); bound into every token, so tokens of two fields never match.
    public let location: FieldLocation
    /// How many bytes of the 32-byte MAC each token keeps (4 to 32): fewer leak less but collide more.
    public let length: Int
    private let mac: HMACSHA256
    private let prefix: [UInt8]

    /// - Parameter length: bytes kept of the 32-byte MAC, 4 to 32 (default 16).
    /// - Throws: ``CryptoError/invalidKeyLength(expected:actual:)`` when `length` is outside 4 to 32,
    ///   or ``CryptoError/openssl(_:)`` when the HMAC context cannot be keyed.
    public init(key: SecretBytes, location: FieldLocation, length: Int = 16) throws(CryptoError) {
        guard (4...32).contains(length) else { throw .invalidKeyLength(expected: 16, actual: length) }
        self.mac = try HMACSHA256(key: key)
        self.location = location
        self.length = length
        var prefix: [UInt8] = []
        prefix.appendLengthPrefixed(location.record)
        prefix.appendLengthPrefixed(location.field)
        self.prefix = prefix
    }

    /// The token of an already-normalised value.
    ///
    /// - Throws: ``CryptoError/openssl(_:)`` if OpenSSL fails to compute the MAC.
    public func token(normalised value: String) throws(CryptoError) -> [UInt8] {
        let bytes = Array(value.utf8)
        let full = try CryptoError.typed {
            try prefix.withUnsafeBytes { p in try bytes.withUnsafeBytes { try mac.authenticate(p, $0) } }
        }
        return Array(full.prefix(length))
    }

    /// Trimmed and case-folded, so `J.Doe@Example.com ` and `j.doe@example.com` match.
    ///
    /// - Throws: ``NormalisationError/invalidEmail`` when the text is not a plausible address.
    public static func normaliseEmail(_ email: String) throws(NormalisationError) -> String {
        let trimmed = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !trimmed.contains(where: \.isWhitespace),
            // NUL and other control characters would be stored, indexed and mailed as given.
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalidEmail }
        return trimmed
    }

    /// E.164: `+` then 8 to 15 digits; spaces, dots, dashes and brackets are dropped, `00` becomes `+`.
    ///
    /// - Throws: ``NormalisationError/invalidPhone`` when the number has no country code or the wrong length.
    public static func normalisePhone(_ phone: String) throws(NormalisationError) -> String {
        var text = phone.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("00") { text = "+" + text.dropFirst(2) }
        guard text.hasPrefix("+") else { throw .invalidPhone }
        var digits = ""
        for character in text.dropFirst() {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if !" .-()".contains(character) {
                throw .invalidPhone
            }
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { throw .invalidPhone }
        return "+" + digits
    }

    /// The token of an email address, normalised first so case and surrounding spaces do not matter.
    ///
    /// - Throws: ``NormalisationError`` when the address is malformed; ``CryptoError`` if the MAC fails.
    public func token(email: String) throws -> [UInt8] { try token(normalised: Self.normaliseEmail(email)) }
    /// The token of a phone number, normalised to E.164 first so punctuation and `00` do not matter.
    ///
    /// - Throws: ``NormalisationError`` when the number is malformed; ``CryptoError`` if the MAC fails.
    public func token(phone: String) throws -> [UInt8] { try token(normalised: Self.normalisePhone(phone)) }
}

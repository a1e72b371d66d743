/// Why a value cannot be indexed. The message describes the shape, never the value.
public enum NormalisationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidEmail
    case invalidPhone

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
    public let location: FieldLocation
    public let length: Int
    private let mac: HMACSHA256
    private let prefix: [UInt8]

    /// - Parameter length: bytes kept of the 32-byte MAC, 4 to 32 (default 16).
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
    public func token(normalised value: String) throws(CryptoError) -> [UInt8] {
        let bytes = Array(value.utf8)
        let full = try CryptoError.typed {
            try prefix.withUnsafeBytes { p in try bytes.withUnsafeBytes { try mac.authenticate(p, $0) } }
        }
        return Array(full.prefix(length))
    }

    /// Trimmed and case-folded, so `J.Doe@Example.com ` and `j.doe@example.com` match.
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

    public func token(email: String) throws -> [UInt8] { try token(normalised: Self.normaliseEmail(email)) }
    public func token(phone: String) throws -> [UInt8] { try token(normalised: Self.normalisePhone(phone)) }
}

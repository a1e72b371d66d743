/// A customer account number: `TR-` followed by exactly five digits, e.g. `TR-04217`.
public struct AccountID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The five-digit number, 0...99_999.
    public let number: Int

    /// Why a string is not an account id. The message names the value so the caller can fix it.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The text that failed to parse, echoed back so the caller can correct it.
        public let value: String
        /// An error for the rejected `value`.
        public init(value: String) { self.value = value }
        /// What was wrong and the expected form, e.g. `'TR-4217' is not an account id: ...`.
        public var description: String {
            "'\(value)' is not an account id: expected TR- followed by five digits, e.g. TR-04217"
        }
    }

    /// Parses `TR-` + five ASCII digits; lower-case `tr-`, spaces or other lengths are refused.
    ///
    /// - Throws: ``ParseError`` when the text is not exactly `TR-` and five digits.
    public init(_ text: String) throws(ParseError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 8, utf8[0] == UInt8(ascii: "T"), utf8[1] == UInt8(ascii: "R"),
            utf8[2] == UInt8(ascii: "-"),
            utf8[3...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw ParseError(value: text) }
        self.number = utf8[3...].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// An id from its number; `nil` outside 0...99_999.
    public init?(number: Int) {
        guard (0...99_999).contains(number) else { return nil }
        self.number = number
    }

    /// The canonical form, `TR-` and five zero-padded digits, e.g. `TR-04217`.
    public var description: String {
        let digits = String(number)
        return "TR-" + String(repeating: "0", count: 5 - digits.count) + digits
    }

    /// Orders ids by number, so listings run `TR-00001`, `TR-00002`, ...
    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.number < rhs.number }

    /// Decodes the `TR-NNNNN` string form, refusing anything ``init(_:)`` refuses.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for a malformed id, or the decoder's own errors.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the id as its `TR-NNNNN` string.
    ///
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

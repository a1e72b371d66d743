import Foundation

/// JSON for machine readers: sorted keys and ISO 8601 instants, so output is stable and diffable.
enum JSONOutput {
    /// Pretty-printed JSON of `value`; throws only when the value cannot be encoded.
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

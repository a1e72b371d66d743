import Foundation
import LetheCore
import OpenAPIRuntime

/// Reads the API's `date-time` values with ``ISOInstant``: ASCII digits only and zone offsets within
/// ±18:00, where the runtime's default (Foundation's ISO 8601 formatter) reads `+99:99` as +9 h and so
/// would move a time of receipt, and with it the statutory clock, to another day. Writes UTC with `Z`.
struct StrictDateTranscoder: DateTranscoder {
    struct Refused: Error, CustomStringConvertible {
        var description: String {
            "a date-time must be RFC 3339 with a zone offset within ±18:00, e.g. 2026-09-03T10:15:00Z"
        }
    }

    func encode(_ date: Date) throws -> String { DRPTime.format(date) }

    func decode(_ text: String) throws -> Date {
        guard let instant = ISOInstant.parse(text) else { throw Refused() }
        return instant
    }
}

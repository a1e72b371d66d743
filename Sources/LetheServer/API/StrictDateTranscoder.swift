import Foundation
import LetheCore
import OpenAPIRuntime

/// Reads the API's `date-time` values with ``ISOInstant``: ASCII digits only and zone offsets within
/// ±18:00, where the runtime's default (Foundation's ISO 8601 formatter) reads `+99:99` as +9 h and so
/// would move a time of receipt, and with it the statutory clock, to another day. Writes UTC with `Z`.
struct StrictDateTranscoder: DateTranscoder {
    /// A `date-time` that is not RFC 3339 with a sane offset; answered as a 400.
    struct Refused: Error, CustomStringConvertible {
        /// What a valid value looks like.
        var description: String {
            "a date-time must be RFC 3339 with a zone offset within ±18:00, e.g. 2026-09-03T10:15:00Z"
        }
    }

    /// The instant in UTC with `Z`, to the second.
    func encode(_ date: Date) throws -> String { DRPTime.format(date) }

    /// The instant `text` names, or ``Refused`` when it is not strict RFC 3339.
    func decode(_ text: String) throws -> Date {
        guard let instant = ISOInstant.parse(text) else { throw Refused() }
        return instant
    }
}

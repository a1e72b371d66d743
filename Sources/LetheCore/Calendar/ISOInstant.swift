import Foundation

/// The one reader of ISO 8601 / RFC 3339 instants that every input goes through (the CLI's options, the
/// API's times of receipt, the Data Rights Protocol's `issued-at`).
///
/// Strict where leniency would move a statutory clock: ASCII digits only (Swift's `\d` also matches
/// Arabic-Indic and other digits), a real calendar date, and a zone offset within ±18:00 with minutes
/// below 60 (Foundation's formatter reads `+99:99` as +9 h and `+24:00` as +2 h). Lenient where writers
/// differ harmlessly: `T`, `t` or a space between date and time, any number of fraction digits, and
/// `Z`, `z`, `+hh:mm` or `+hhmm`.
///
/// ```swift
/// ISOInstant.parse("2026-09-03T10:15:00+02:00")  // 08:15 UTC
/// ISOInstant.parse("2026-09-03T10:15:00+24:00")  // nil
/// ```
public enum ISOInstant {
    /// The largest zone offset in use anywhere, and the limit RFC 3339 readers such as java.time apply.
    public static let maximumOffset: TimeInterval = 18 * 3600

    /// The instant `text` names, or nil when it is not a valid instant.
    ///
    /// - Parameter requireZone: when false, a time without a zone is read as UTC (as the DRP allows).
    public static func parse(_ text: String, requireZone: Bool = true) -> Date? {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$/
        guard let match = try? pattern.asciiOnlyDigits().wholeMatch(in: text) else { return nil }
        guard match.8 != nil || !requireZone else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = Int(match.1)
        components.month = Int(match.2)
        components.day = Int(match.3)
        components.hour = Int(match.4)
        components.minute = Int(match.5)
        components.second = Int(match.6)
        guard let hour = components.hour, hour < 24, let minute = components.minute, minute < 60,
            let second = components.second, second < 60, components.isValidDate, let base = components.date
        else { return nil }
        var instant = base
        if let fraction = match.7, let value = Double("0" + fraction) { instant += value }
        if let zone = match.8, zone != "Z", zone != "z" {
            let digits = zone.dropFirst().replacingOccurrences(of: ":", with: "")
            guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)),
                minutes < 60
            else { return nil }
            let offset = TimeInterval(hours * 3600 + minutes * 60)
            guard offset <= maximumOffset else { return nil }
            instant -= zone.hasPrefix("-") ? -offset : offset
        }
        return instant
    }
}

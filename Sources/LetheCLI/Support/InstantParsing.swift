import Foundation
import LetheCore

/// Parsing of the instants and dates the CLI accepts.
enum InstantParsing {
    /// An ISO 8601 instant (`2026-09-03T10:15:00Z`, with offset or fractional seconds), or a bare
    /// date, read as midday in `zone` so that it names that local day whatever the offset.
    static func instant(_ text: String, option: String, zone: TimeZone) throws(CLIError) -> Date {
        if let date = LocalDate(text) {
            let midnightUTC = Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch) * 86_400)
            let noonLocal = midnightUTC.addingTimeInterval(12 * 3600)
            return noonLocal.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: noonLocal)))
        }
        if let instant = ISOInstant.parse(text) { return instant }
        throw .badInput(
            "\(option) '\(text)' is not an ISO 8601 date or instant with a zone offset within ±18:00 (e.g. 2026-09-03 or 2026-09-03T10:15:00Z)"
        )
    }

    /// `FROM..TO`, both ISO dates, both included.
    static func pause(_ text: String, reason: PauseReason) throws(CLIError) -> ClockPause {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let from = LocalDate(parts[0]), let to = LocalDate(parts[1]) else {
            throw .badInput("--paused '\(text)' must be FROM..TO with ISO dates, e.g. 2026-11-16..2026-12-16")
        }
        return ClockPause(from: from, to: to, reason: reason)
    }

    /// An instant as ISO 8601 in UTC to the second (`2026-09-03T10:15:00Z`), for text output.
    static func iso(_ instant: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: instant)
    }
}

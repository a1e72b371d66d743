import Foundation
import LetheCore

/// How pages show an instant: in the controller's time zone (`controller.yaml`), to the second, with the
/// zone's offset from UTC, so an officer in London reads "2026-07-01 09:30:00 +01:00" rather than raw UTC,
/// and the offset keeps it unambiguous (zone abbreviations differ between platforms and are not unique).
struct TimeDisplay: Sendable {
    /// The zone every page shows times in.
    let zone: TimeZone

    /// Times in `zone`.
    init(zone: TimeZone) { self.zone = zone }

    /// Times in UTC: what pages show before a controller is configured.
    static let utc = TimeDisplay(zone: TimeZone(secondsFromGMT: 0) ?? .current)

    /// `2026-07-01 09:30:00 +01:00`: the date and time in the zone, and its offset from UTC at that instant.
    func text(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return formatter.string(from: date)
    }
}

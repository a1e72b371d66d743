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
    ///
    /// By arithmetic on the zone's offset, as ``LocalDate/init(instant:in:)`` finds the day: no formatter
    /// or calendar object is made per call, and none is shared between the requests rendering at once.
    func text(_ date: Date) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let day = LocalDate(instant: date, in: zone)
        let time = local - day.daysSinceEpoch * 86_400
        let minutes = abs(offset) / 60
        func two(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }
        return "\(day) \(two(time / 3600)):\(two(time % 3600 / 60)):\(two(time % 60)) "
            + "\(offset < 0 ? "-" : "+")\(two(minutes / 60)):\(two(minutes % 60))"
    }
}

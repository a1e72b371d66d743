import Foundation
import LetheCore
import LetheTestSupport
import Testing

@Suite("Calendar dates")
struct LocalDateTests {
    @Test(
        "Adding months lands on the corresponding day, or the last day of a shorter month",
        arguments: [
            ("2026-01-31", 1, "2026-02-28"),
            ("2024-01-31", 1, "2024-02-29"),
            ("2026-03-31", 1, "2026-04-30"),
            ("2026-01-30", 1, "2026-02-28"),
            ("2026-09-03", 1, "2026-10-03"),
            ("2026-11-30", 3, "2027-02-28"),
            ("2027-11-30", 3, "2028-02-29"),
            ("2026-12-15", 1, "2027-01-15"),
            ("2026-08-31", -6, "2026-02-28"),
            ("2100-01-31", 1, "2100-02-28"),
            ("2000-01-31", 1, "2000-02-29"),
        ]
    )
    func addingMonths(start: String, months: Int, expected: String) {
        #expect(LocalDate.d(start).adding(months: months) == LocalDate.d(expected))
    }

    @Test("Day counts round-trip through the epoch across centuries")
    func epochRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(LocalDate.d("1970-01-01").daysSinceEpoch == 0)
        #expect(LocalDate.d("2026-11-23").daysSinceEpoch == 20_780)
    }

    @Test(
        "Weekdays match the real calendar",
        arguments: [
            ("2026-11-23", Weekday.monday), ("2024-02-29", .thursday), ("2026-10-03", .saturday),
            ("1970-01-01", .thursday), ("2000-01-01", .saturday),
        ]
    )
    func weekdays(date: String, weekday: Weekday) {
        #expect(LocalDate.d(date).weekday == weekday)
    }

    @Test(
        "Only real ISO dates parse",
        arguments: ["2026-02-30", "2026-13-01", "2026-1-01", "26-01-01", "2026/01/01", "", "2026-01-01T00:00"]
    )
    func rejectsMalformedDates(text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test("The day of receipt is the local date in the controller's time zone, not the UTC date")
    func localDateInZone() throws {
        let instant = Date.iso("2026-08-31T23:30:00Z")
        let london = try #require(TimeZone(identifier: "Europe/London"))
        let losAngeles = try #require(TimeZone(identifier: "America/Los_Angeles"))
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(LocalDate(instant: instant, in: london) == .d("2026-09-01"))
        #expect(LocalDate(instant: instant, in: utc) == .d("2026-08-31"))
        #expect(LocalDate(instant: instant, in: losAngeles) == .d("2026-08-31"))
    }
}

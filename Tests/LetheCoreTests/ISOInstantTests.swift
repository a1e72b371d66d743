import Foundation
import LetheCore
import Testing

@Suite("Reading instants")
struct ISOInstantTests {
    static func utc(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: seconds) }
    /// 2026-09-03T10:15:00Z
    static let base: TimeInterval = 1_788_430_500

    @Test(
        "valid instants, with the offsets writers use",
        arguments: [
            ("2026-09-03T10:15:00Z", base),
            ("2026-09-03t10:15:00z", base),
            ("2026-09-03 10:15:00Z", base),
            ("2026-09-03T12:15:00+02:00", base),
            ("2026-09-03T12:15:00+0200", base),
            ("2026-09-03T04:15:00-06:00", base),
            ("2026-09-04T04:15:00+18:00", base),
            ("2026-09-03T10:15:00.250Z", base + 0.25),
        ]
    )
    func accepted(text: String, seconds: TimeInterval) throws {
        let instant = try #require(ISOInstant.parse(text))
        #expect(abs(instant.timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test(
        "offsets beyond ±18:00, malformed offsets, impossible dates and non-ASCII digits are refused",
        arguments: [
            "2026-09-03T10:15:00+99:99", "2026-09-03T10:15:00+24:00", "2026-09-03T10:15:00+18:01",
            "2026-09-03T10:15:00-19:00", "2026-09-03T10:15:00+02:60", "2026-09-03T10:15:00+2:00",
            "2026-09-03T10:15:00+02", "2026-02-30T10:15:00Z", "2026-09-03T24:00:00Z", "2026-09-03T10:60:00Z",
            "2026-09-03T10:15:00", "٢٠٢٦-٠٩-٠٣T10:15:00Z", "2026-09-03T١٠:15:00Z", "2026-09-03T10:15:00+٠٢:00",
            "2026-09-03", "",
        ]
    )
    func refused(text: String) {
        #expect(ISOInstant.parse(text) == nil)
    }

    @Test("the Data Rights Protocol reads a time without a zone as UTC, but never other digits")
    func drpTimes() {
        #expect(DRPTime.parse("2026-09-03T10:15:00") == Self.utc(Self.base))
        #expect(DRPTime.parse("٢٠٢٦-٠٩-٠٣T10:15:00Z") == nil)
        #expect(DRPTime.parse("2026-09-03T10:15:00+99:99") == nil)
    }
}

import Foundation
import LetheCore
import LetheTestSupport
import Testing

@Suite("Retention periods in exact time")
struct RetentionPeriodTests {
    @Test(
        "The cutoff steps back by the period: days in seconds, months and years to the same UTC clock time",
        arguments: [
            (Period.days(180), "2027-05-22T10:15:30Z", "2026-11-23T10:15:30Z"),
            (Period.days(1), "2026-03-30T00:30:00Z", "2026-03-29T00:30:00Z"),
            (Period.months(24), "2028-11-23T23:59:59Z", "2026-11-23T23:59:59Z"),
            (Period.years(10), "2036-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
            // The shorter month's last day: never erased before the full period.
            (Period.months(1), "2027-03-31T08:00:00Z", "2027-02-28T08:00:00Z"),
            (Period.years(2), "2028-02-29T12:00:00Z", "2026-02-28T12:00:00Z"),
            (Period.immediate, "2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
        ]
    )
    func cutoff(period: Period, asOf: String, expected: String) {
        #expect(period.before(.iso(asOf)) == .iso(expected))
    }

    @Test("A record from the 31st with a one-month period is not due before the shorter month has fully passed")
    func monthEndIsNeverEarly() {
        let rule = RetentionRule(
            id: "r",
            category: .securityLogs,
            trigger: .created,
            period: .months(1),
            action: .erase,
            legalBasis: "b",
            citation: "c",
            convention: nil
        )
        let record = Date.iso("2027-01-31T10:00:00Z")
        #expect(rule.cutoff(asOf: .iso("2027-02-28T23:59:59Z")) < record)
        #expect(rule.cutoff(asOf: .iso("2027-03-01T00:00:00Z")) >= record)
    }

    @Test("The shipped policies give PIPEDA a six-month recourse period with its citation")
    func recourse() throws {
        let policies = try ShippedPolicies.load()
        let pipeda = try #require(policies.jurisdictions["ca-pipeda"]?.recourse)
        #expect(pipeda.period == .months(6))
        #expect(pipeda.citation.contains("s.8(8)"))
        #expect(policies.jurisdictions["uk-gdpr"]?.recourse == nil)
        #expect(policies.retentionRules.contains { $0.category == .auditTrail })
    }

    @Test("A retention period in business days is refused with its file and line")
    func businessDaysRefused() throws {
        var sources = try ShippedPolicies.sources().filter { $0.relativePath != "retention.yaml" }
        let text = try String(
            contentsOf: ShippedPolicies.directory.appendingPathComponent("retention.yaml"),
            encoding: .utf8
        )
        .replacingOccurrences(of: "period: {days: 180}", with: "period: {business-days: 180}")
        sources.append(
            PolicySource(relativePath: "retention.yaml", displayPath: "Policies/retention.yaml", contents: text)
        )
        #expect {
            _ = try PolicySet.load(sources)
        } throws: { error in
            String(describing: error).contains("retention.yaml") && String(describing: error).contains("exact time")
        }
    }
}

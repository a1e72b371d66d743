import Foundation
import LetheCore
import LetheTestSupport
import Testing

/// A later amendment kept as a dated revision of the same policy file.
@Suite("Dated revisions of a law")
struct PolicyRevisionTests {
    /// The shipped policies with `revision` appended to `us-de.yaml`.
    static func policies(with revision: String) throws -> PolicySet {
        var sources = try ShippedPolicies.sources()
        let index = try #require(sources.firstIndex { $0.relativePath == "jurisdictions/us-de.yaml" })
        let original = sources[index]
        sources[index] = PolicySource(
            relativePath: original.relativePath,
            displayPath: original.displayPath,
            contents: original.contents + "\n" + revision
        )
        return try PolicySet.load(sources)
    }

    static let amendment = """
        revisions:
          - from: {date: 2027-01-01, citation: "An amending act (test fixture)"}
            deadlines:
              access:
                period: {days: 30}
                citation: "Amended access clock (test fixture)"
        """

    static func schedule(
        _ policies: PolicySet,
        received: String,
        kind: DeadlineKind = .access
    ) throws -> DeadlineSchedule {
        try DeadlineEngine(policies: policies).schedule(
            DeadlineQuery(jurisdictionID: "us-de", kind: kind, receivedAt: .iso(received))
        )
    }

    @Test("a request received the day before the revision keeps the old clock; from its day, the new one")
    func dayBeforeAndDayOf() throws {
        let policies = try Self.policies(with: Self.amendment)
        // 23:30 in Delaware on 31 December is already 1 January in UTC: the law's own day decides.
        let before = try Self.schedule(policies, received: "2027-01-01T04:30:00Z")
        #expect(before.receiptDate == .d("2026-12-31"))
        #expect(before.response.period == "45 calendar days")
        #expect(before.response.due == .d("2027-02-14"))
        let after = try Self.schedule(policies, received: "2027-01-01T15:00:00Z")
        #expect(after.response.period == "30 calendar days")
        #expect(after.response.citation == "Amended access clock (test fixture)")
        #expect(after.response.due == .d("2027-01-31"))
        // The clocks the revision does not list stay as the file has them.
        let deletion = try Self.schedule(policies, received: "2027-01-01T15:00:00Z", kind: .deletion)
        #expect(deletion.response.period == "45 calendar days")
    }

    @Test(
        "a revision out of date order, or without deadlines, is refused with its file and line",
        arguments: [
            (
                """
                revisions:
                  - from: {date: 2027-01-01, citation: "a"}
                    deadlines: {access: {period: {days: 30}, citation: "x"}}
                  - from: {date: 2026-06-01, citation: "b"}
                    deadlines: {access: {period: {days: 20}, citation: "y"}}
                """,
                "revisions must be in date order"
            ),
            (
                """
                revisions:
                  - from: {date: 2027-01-01, citation: "a"}
                    deadlines: {}
                """,
                "a revision changes at least one deadline"
            ),
            (
                """
                revisions:
                  - from: {date: 2027-02-30, citation: "a"}
                    deadlines: {access: {period: {days: 30}, citation: "x"}}
                """,
                "is not a date"
            ),
        ]
    )
    func refused(revision: String, message: String) throws {
        do {
            _ = try Self.policies(with: revision)
            Issue.record("the revision was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect("\(error)".contains("us-de.yaml"))
        }
    }

    @Test("a revision may not make the opt-out clock of a law with the opt-out signal ask for verification")
    func revisionKeepsTheSignalUnverified() throws {
        var sources = try ShippedPolicies.sources()
        let index = try #require(sources.firstIndex { $0.relativePath == "jurisdictions/us-co.yaml" })
        let original = sources[index]
        sources[index] = PolicySource(
            relativePath: original.relativePath,
            displayPath: original.displayPath,
            contents: original.contents + """

                revisions:
                  - from: {date: 2027-01-01, citation: "a"}
                    deadlines: {opt-out-of-sale: {period: {days: 30}, citation: "x"}}
                """
        )
        #expect {
            try PolicySet.load(sources)
        } throws: { error in
            "\(error)".contains("opt-out-signal needs an opt-out-of-sale deadline with verification: not-required")
        }
    }
}

import Foundation
import LetheCore
import LetheTestSupport
import Testing

@Suite("Statutory deadlines")
struct DeadlineEngineTests {
    let engine: DeadlineEngine

    init() throws { engine = try ShippedPolicies.engine() }

    func schedule(
        _ jurisdiction: String,
        _ kind: DeadlineKind,
        received: String,
        calendar: String? = nil,
        zone: String? = nil,
        notice: ExtensionNotice? = nil,
        pauses: [ClockPause] = []
    ) throws -> DeadlineSchedule {
        try engine.schedule(
            DeadlineQuery(
                jurisdictionID: jurisdiction,
                kind: kind,
                receivedAt: .iso(received),
                calendarID: calendar,
                timeZoneIdentifier: zone,
                extensionNotice: notice,
                pauses: pauses
            )
        )
    }

    /// The ICO's published examples and the secondary reports of the same guidance (statutes.md §1.2).
    @Test(
        "UK GDPR: one month to the corresponding date, last day of a shorter month, next working day",
        arguments: [
            // ICO SAR checklist: received 3 September, due 3 October (2024: a Thursday).
            ("2024-09-03T10:00:00Z", "2024-10-03"),
            // ICO: 31 January -> 28 February, 29 February in a leap year.
            ("2025-01-31T10:00:00Z", "2025-02-28"),
            ("2024-01-31T10:00:00Z", "2024-02-29"),
            // Pannone: 30 January -> 28 February; in 2026 that is a Saturday, so Monday 2 March.
            ("2026-01-30T10:00:00Z", "2026-03-02"),
            // digitalcompliancehub: 31 March -> 30 April.
            ("2026-03-31T10:00:00Z", "2026-04-30"),
            // ICO: 1 April -> 1 May on a weekend or holiday moves to the next working day.
            // 1 May 2027 is a Saturday and 3 May 2027 the Early May bank holiday: 4 May.
            ("2027-04-01T10:00:00Z", "2027-05-04"),
            // Due on the Late Summer bank holiday (31 Aug 2026): 1 September.
            ("2026-07-31T10:00:00Z", "2026-09-01"),
            // Due on Christmas Day 2026 (Friday), then a weekend and the Boxing Day substitute: 29 December.
            ("2026-11-25T10:00:00Z", "2026-12-29"),
            // Due 3 October 2026, a Saturday: Monday 5 October.
            ("2026-09-03T10:00:00Z", "2026-10-05"),
            // Lexology: received 23:59 on 1 August (London) -> 1 September.
            ("2026-08-01T22:59:00Z", "2026-09-01"),
        ]
    )
    func icoExamples(received: String, due: String) throws {
        let result = try schedule("uk-gdpr", .access, received: received)
        #expect(result.response.due == .d(due))
        #expect(result.response.citation.contains("Art 12(3)"))
    }

    @Test("30 January to 28 February stays on the 28th when that is a working day (2025)")
    func pannoneExample() throws {
        // 28 Feb 2026 is a Saturday; the table above shows the roll. 2025's 28th is a Friday.
        #expect(try schedule("uk-gdpr", .access, received: "2025-01-30T10:00:00Z").response.due == .d("2025-02-28"))
    }

    @Test("The day of receipt is the controller's local date around midnight")
    func receiptAroundMidnight() throws {
        // 00:30 on 1 September in London is still 31 August in UTC.
        let london = try schedule("uk-gdpr", .access, received: "2026-08-31T23:30:00Z")
        #expect(london.receiptDate == .d("2026-09-01"))
        #expect(london.response.due == .d("2026-10-01"))
        let utc = try schedule("uk-gdpr", .access, received: "2026-08-31T23:30:00Z", zone: "UTC")
        #expect(utc.receiptDate == .d("2026-08-31"))
        #expect(utc.response.due == .d("2026-09-30"))
        // California: 07:30 UTC on 2 January is still 1 January in Los Angeles.
        let ccpa = try schedule("us-ca", .deletion, received: "2026-01-02T07:30:00Z")
        #expect(ccpa.receiptDate == .d("2026-01-01"))
        #expect(ccpa.response.due == .d("2026-02-15"))
    }

    @Test("Stop the clock: paused days, both ends included, are added before the roll (DAC Beachcroft example)")
    func stopTheClock() throws {
        // Received 14 November, clarification sought 16 November, answered 16 December: an extra month.
        let pause = ClockPause(from: .d("2026-11-16"), to: .d("2026-12-16"), reason: .clarification)
        let result = try schedule("uk-gdpr", .access, received: "2026-11-14T10:00:00Z", pauses: [pause])
        #expect(result.pausedDays == 31)
        #expect(result.response.due == .d("2027-01-14"))
        // Overlapping pauses count each day once.
        let overlapping = [pause, ClockPause(from: .d("2026-12-10"), to: .d("2026-12-20"), reason: .clarification)]
        #expect(
            try schedule("uk-gdpr", .access, received: "2026-11-14T10:00:00Z", pauses: overlapping).pausedDays == 35
        )
    }

    @Test("The clock cannot stop where the law runs it regardless (CCPA §7021(b)) or for a reason not allowed")
    func pauseRefused() throws {
        let pause = ClockPause(from: .d("2026-03-02"), to: .d("2026-03-05"), reason: .identity)
        #expect(throws: DeadlineError.pauseNotAllowed(jurisdiction: "us-ca", kind: .access, reason: .identity)) {
            try schedule("us-ca", .access, received: "2026-03-01T18:00:00Z", pauses: [pause])
        }
        // UK identity requests restart the clock (Art 12A "relevant time"); they are not a pause.
        #expect(throws: DeadlineError.self) {
            try schedule("uk-gdpr", .access, received: "2026-03-01T10:00:00Z", pauses: [pause])
        }
        let early = ClockPause(from: .d("2026-02-27"), to: .d("2026-03-05"), reason: .clarification)
        #expect(throws: DeadlineError.self) {
            try schedule("uk-gdpr", .access, received: "2026-03-01T10:00:00Z", pauses: [early])
        }
    }

    @Test(
        "An appeal in Colorado or Minnesota may be extended by 60 days, 105 in all from receipt, with notice inside 45",
        arguments: [
            ("us-co", "2026-04-10T15:00:00Z", "2026-06-15"),
            ("us-mn", "2026-04-16T15:00:00Z", "2026-06-15"),
            ("us-co", "2026-04-17T15:00:00Z", nil),
        ] as [(String, String, String?)]
    )
    func appealExtensions(jurisdiction: String, notice: String, expected: String?) throws {
        let extensionNotice = ExtensionNotice(sentAt: .iso(notice), reason: "Many requests behind the appeal")
        let received = "2026-03-02T15:00:00Z"
        #expect(try schedule(jurisdiction, .appeal, received: received).response.due == .d("2026-04-16"))
        if let expected {
            let result = try schedule(jurisdiction, .appeal, received: received, notice: extensionNotice)
            #expect(result.extended?.due == .d(expected))
        } else {
            #expect(throws: DeadlineError.self) {
                try schedule(jurisdiction, .appeal, received: received, notice: extensionNotice)
            }
        }
    }

    @Test(
        "Extensions run from the original receipt and need a notice with reasons inside the first period",
        arguments: [
            // (jurisdiction, received, notice, expected extended due or nil when refused)
            ("uk-gdpr", "2024-09-03T10:00:00Z", "2024-09-20T10:00:00Z", "2024-12-03"),
            ("uk-gdpr", "2024-09-03T10:00:00Z", "2024-10-03T16:00:00Z", "2024-12-03"),
            ("uk-gdpr", "2024-09-03T10:00:00Z", "2024-10-04T09:00:00Z", nil),
            // The first period ended on Monday 5 October 2026 after the roll: a notice that day is in time.
            ("uk-gdpr", "2026-09-03T10:00:00Z", "2026-10-05T09:00:00Z", "2026-12-03"),
            ("eu-gdpr", "2026-01-31T10:00:00Z", "2026-02-10T10:00:00Z", "2026-04-30"),
            // CCPA: 90 days in all from receipt, notice within the first 45 (16 Feb 2026 is day 45).
            ("us-ca", "2026-01-02T18:00:00Z", "2026-02-16T18:00:00Z", "2026-04-02"),
            ("us-ca", "2026-01-02T18:00:00Z", "2026-02-17T18:00:00Z", nil),
            ("ca-pipeda", "2026-03-02T15:00:00Z", "2026-03-30T15:00:00Z", "2026-05-01"),
        ] as [(String, String, String, String?)]
    )
    func extensions(jurisdiction: String, received: String, notice: String, expected: String?) throws {
        let extensionNotice = ExtensionNotice(sentAt: .iso(notice), reason: "Complex: records in six systems")
        if let expected {
            let result = try schedule(jurisdiction, .access, received: received, notice: extensionNotice)
            #expect(result.extended?.due == .d(expected))
            #expect(result.binding == result.extended)
            #expect(result.extensionReason == "Complex: records in six systems")
        } else {
            #expect {
                try schedule(jurisdiction, .access, received: received, notice: extensionNotice)
            } throws: { error in
                guard case .extensionTooLate = error as? DeadlineError else { return false }
                return "\(error)".contains("too late")
            }
        }
    }

    @Test("An extension without a reason, or where the law grants none, is refused")
    func extensionRefusals() throws {
        #expect(throws: DeadlineError.extensionWithoutReason) {
            try schedule(
                "uk-gdpr",
                .access,
                received: "2026-09-03T10:00:00Z",
                notice: ExtensionNotice(sentAt: .iso("2026-09-10T10:00:00Z"), reason: " ")
            )
        }
        #expect(throws: DeadlineError.noExtension(jurisdiction: "us-ca", kind: .optOutOfSale)) {
            try schedule(
                "us-ca",
                .optOutOfSale,
                received: "2026-09-03T18:00:00Z",
                notice: ExtensionNotice(sentAt: .iso("2026-09-10T18:00:00Z"), reason: "busy")
            )
        }
    }

    @Test(
        "Business days count from the day after receipt and skip the calendar's holidays",
        arguments: [
            // CCPA acknowledgement, 10 business days from Friday 20 November 2026: California closes
            // Thanksgiving and the day after; the federal calendar only Thanksgiving.
            ("us-ca", DeadlineKind.access, "2026-11-20T20:00:00Z", nil, "2026-12-08"),
            ("us-ca", .access, "2026-11-20T20:00:00Z", "us-federal", "2026-12-07"),
            // A request received on a Saturday: counting starts on Monday.
            ("us-ca", .deletion, "2026-06-13T20:00:00Z", nil, "2026-06-29"),  // Juneteenth skipped
        ] as [(String, DeadlineKind, String, String?, String)]
    )
    func acknowledgementBusinessDays(
        jurisdiction: String,
        kind: DeadlineKind,
        received: String,
        calendar: String?,
        due: String
    ) throws {
        let result = try schedule(jurisdiction, kind, received: received, calendar: calendar)
        #expect(result.acknowledgement?.due == .d(due))
        #expect(result.acknowledgement?.citation.contains("§7021(a)") == true)
    }

    @Test("CCPA opt-out: 15 business days across Juneteenth and the Independence Day substitute")
    func ccpaOptOut() throws {
        let result = try schedule("us-ca", .optOutOfSale, received: "2026-06-15T16:00:00Z")
        #expect(result.response.due == .d("2026-07-08"))
        #expect(result.verification == .notRequired)
        #expect(result.acknowledgement == nil)
    }

    @Test(
        "Calendar-day regimes add the days to the receipt date and do not roll",
        arguments: [
            ("us-ca", DeadlineKind.access, "2026-01-02T18:00:00Z", "2026-02-16"),  // Presidents' Day: no roll
            ("us-va", .deletion, "2026-03-01T15:00:00Z", "2026-04-15"),
            ("us-co", .appeal, "2026-03-01T15:00:00Z", "2026-04-15"),
            ("us-ct", .appeal, "2026-03-01T15:00:00Z", "2026-04-30"),
            ("br-lgpd", .access, "2026-03-01T15:00:00Z", "2026-03-16"),
            ("ca-pipeda", .access, "2026-03-02T15:00:00Z", "2026-04-01"),
            ("ch-fadp", .access, "2026-03-02T10:00:00Z", "2026-04-01"),
            ("sg-pdpa", .access, "2026-03-02T03:00:00Z", "2026-04-01"),
            ("us-ia", .access, "2026-03-01T15:00:00Z", "2026-05-30"),  // Iowa: 90 days (715D.3(2)(a))
            ("us-ne", .deletion, "2026-03-01T15:00:00Z", "2026-04-15"),
            ("us-ky", .appeal, "2026-03-01T15:00:00Z", "2026-04-30"),  // 60 days (KRS 367.3615(4))
            ("us-nj", .access, "2025-01-15T15:00:00Z", "2025-03-01"),  // the first day New Jersey's law applies
            ("us-mn", .appeal, "2026-03-02T15:00:00Z", "2026-04-16"),
            ("us-ri", .correction, "2026-01-01T15:00:00Z", "2026-02-15"),
            ("ca-qc", .access, "2026-06-01T15:00:00Z", "2026-07-01"),  // Quebec s.32: 30 days, Canada Day no roll
            ("kr-pipa", .access, "2026-09-20T03:00:00Z", "2026-09-30"),  // Korea: 10 days, through Chuseok
            ("jp-appi", .access, "2026-04-28T03:00:00Z", "2026-05-12"),  // "without delay" read as 14 days
            ("au-privacy", .correction, "2026-03-02T01:00:00Z", "2026-04-01"),  // OAIC: generally 30 days
            ("za-popia", .access, "2026-03-02T10:00:00Z", "2026-04-01"),  // PAIA s.56(1): 30 days
        ] as [(String, DeadlineKind, String, String)]
    )
    func calendarDays(jurisdiction: String, kind: DeadlineKind, received: String, due: String) throws {
        let result = try schedule(jurisdiction, kind, received: received)
        #expect(result.response.due == .d(due))
        #expect(result.response.unrolled == result.response.due)
    }

    @Test("CAN-SPAM unsubscribes are due in 10 business days")
    func canSpam() throws {
        // Friday 3 July 2026 is the federal Independence Day substitute.
        let result = try schedule("us-can-spam", .marketingUnsubscribe, received: "2026-06-30T15:00:00Z")
        #expect(result.response.due == .d("2026-07-15"))
    }

    @Test("Consent withdrawal under the GDPR takes effect on the day of receipt")
    func immediateWithdrawal() throws {
        let result = try schedule("eu-gdpr", .consentWithdrawal, received: "2026-05-02T10:00:00Z")
        #expect(result.response.due == .d("2026-05-02"))
        #expect(result.internalTarget <= result.response.due)
    }

    @Test("An EU controller's member-state calendar decides the roll (German Unity Day)")
    func memberStateCalendar() throws {
        let ireland = try schedule("eu-gdpr", .access, received: "2024-09-03T10:00:00Z")
        let germany = try schedule("eu-gdpr", .access, received: "2024-09-03T10:00:00Z", calendar: "germany")
        #expect(ireland.response.due == .d("2024-10-03"))
        #expect(germany.response.due == .d("2024-10-04"))
        #expect(germany.calendar == "germany")
    }

    @Test("The internal target sits beside the legal deadline, on a working day and never after it")
    func internalTarget() throws {
        let uk = try schedule("uk-gdpr", .access, received: "2026-09-03T10:00:00Z")
        #expect(uk.internalTarget == .d("2026-10-01"))
        // 28 days from 6 February 2027 is Saturday 6 March: the target moves back to Friday 5 March.
        let weekend = try schedule("uk-gdpr", .access, received: "2027-02-06T10:00:00Z")
        #expect(weekend.internalTarget == .d("2027-03-05"))
        // February is shorter than 28 days plus change: the target never passes the deadline.
        let february = try schedule("uk-gdpr", .access, received: "2026-02-01T10:00:00Z")
        #expect(february.internalTarget <= february.response.due)
    }

    @Test(
        "A law governs the requests received from its effective date, in its own time zone",
        arguments: [
            ("us-nj", "2025-01-15T04:59:00Z", "2025-01-14", "2025-01-15"),  // 23:59 in New York on the 14th
            ("us-ia", "2024-12-31T18:00:00Z", "2024-12-31", "2025-01-01"),
            ("us-md", "2026-03-31T20:00:00Z", "2026-03-31", "2026-04-01"),  // in force 2025-10-01, applies from April
            ("us-in", "2025-12-31T23:00:00Z", "2025-12-31", "2026-01-01"),
            ("in-dpdp", "2027-05-12T18:00:00Z", "2027-05-12", "2027-05-13"),  // 23:30 in Kolkata on the 12th
        ] as [(String, String, String, String)]
    )
    func effectiveFrom(jurisdiction: String, received: String, day: String, from: String) throws {
        let name = try #require(engine.policies.jurisdictions[jurisdiction]).name
        #expect {
            try schedule(jurisdiction, .access, received: received)
        } throws: { error in
            guard case .notInForce(let law, let start, _, let receipt) = error as? DeadlineError else { return false }
            return law == name && start == .d(from) && receipt == .d(day)
                && "\(error)".contains("applies to requests received from \(from)")
        }
        // The next day in the law's zone is under it.
        let next = try schedule(jurisdiction, .access, received: "\(from)T17:00:00Z")
        #expect(next.receiptDate == .d(from))
    }

    @Test("Quebec allows no extension, South Africa one of 30 days (PAIA s.57), China counts working days")
    func outsideTheUnitedStates() throws {
        let quebec = try schedule("ca-qc", .access, received: "2026-06-01T15:00:00Z")
        #expect(quebec.response.due == .d("2026-07-01"))
        let notice = ExtensionNotice(sentAt: .iso("2026-06-15T15:00:00Z"), reason: "Records in six systems")
        #expect(throws: DeadlineError.noExtension(jurisdiction: "ca-qc", kind: .access)) {
            try schedule("ca-qc", .access, received: "2026-06-01T15:00:00Z", notice: notice)
        }
        let southAfrica = try schedule(
            "za-popia",
            .access,
            received: "2026-03-02T10:00:00Z",
            notice: ExtensionNotice(sentAt: .iso("2026-03-20T10:00:00Z"), reason: "Records in six systems")
        )
        #expect(southAfrica.extended?.due == .d("2026-05-01"))
        // 15 working days from Monday 28 September 2026 skip Golden Week (1-7 October): Monday 26 October.
        let china = try schedule("cn-pipl", .access, received: "2026-09-28T02:00:00Z")
        #expect(china.response.due == .d("2026-10-26"))
        #expect(china.calendar == "china")
    }

    @Test("Iowa has no correction right, and its opt-out covers the sale of data only")
    func iowaRights() throws {
        #expect(throws: DeadlineError.self) { try schedule("us-ia", .correction, received: "2026-03-01T15:00:00Z") }
        let optOut = try schedule("us-ia", .optOutOfSale, received: "2026-03-01T15:00:00Z")
        #expect(optOut.response.citation.contains("715D.3(1)(d)"))
        #expect(optOut.verification == .required)  // no opt-out exemption from authentication in 715D
    }

    @Test("Unknown ids and dates beyond a calendar's years are errors that name the problem")
    func errors() throws {
        #expect(throws: DeadlineError.self) { try schedule("xx-nowhere", .access, received: "2026-01-01T00:00:00Z") }
        #expect(
            throws: DeadlineError.kindNotCovered(
                jurisdiction: "us-ut",
                kind: .appeal,
                covered: [
                    .access, .portability, .deletion, .optOutOfSale, .consentWithdrawal, .deactivation,
                ]
            )
        ) { try schedule("us-ut", .appeal, received: "2026-01-01T18:00:00Z") }
        #expect {
            try schedule("uk-gdpr", .access, received: "2031-03-01T10:00:00Z")
        } throws: { error in
            "\(error)".contains("england-wales") && "\(error)".contains("2031")
        }
        #expect(
            throws: DeadlineError.unknownCalendar("mars", known: try ShippedPolicies.load().calendars.keys.sorted())
        ) {
            try schedule("uk-gdpr", .access, received: "2026-03-01T10:00:00Z", calendar: "mars")
        }
    }
}

import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

extension ProcessingHarness {
    /// A verified request of `kind` under `jurisdiction`, refused by `officer`.
    func refused(
        _ kind: RequestKind = .export,
        jurisdiction: String = "us-va",
        by officer: String = "officer-1"
    ) async throws -> RequestID {
        let id = try await h.requests.submit(
            RequestSubmission(kind: kind, accountID: h.customer, channel: .web, jurisdiction: jurisdiction)
        ).outcome.requestID
        #expect(try await h.requests.verifyCode(id, code: try #require(try await h.lastCode(id))))
        _ = try await h.requests.deny(
            id,
            basis: .other,
            reason: "We hold no data of the kind asked for.",
            by: .staff(officer)
        )
        return id
    }

    /// A verified appeal of `refused`.
    func verifiedAppeal(of refused: RequestID, grounds: String? = nil) async throws -> RequestID {
        let id = try await h.requests.submit(
            RequestSubmission(kind: .appeal, channel: .web, appealOf: refused, grounds: grounds)
        ).outcome.requestID
        #expect(try await h.requests.verifyCode(id, code: try #require(try await h.lastCode(id))))
        return id
    }

    func addOfficer(_ name: String) async throws {
        try await h.store.addStaffUser(
            StaffUserRecord(username: name, role: .officer, passwordHash: "$scrypt$unused", createdAt: h.clock.now()),
            by: "test"
        )
    }
}

@Suite("Appeals")
struct AppealTests {
    @Test("An appeal is linked to the refused request, runs on the appeal clock and shows in both dossiers")
    func linkedAndClocked() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let refused = try await p.refused()
        let appeal = try await p.verifiedAppeal(of: refused, grounds: "  I am the account holder.  ")
        let stored = try #require(try await h.store.request(appeal))
        #expect(stored.request.kind == .appeal)
        #expect(stored.request.deadlineKind == .appeal)
        #expect(stored.appealOf == refused)
        #expect(stored.grounds == "I am the account holder.")
        // Taken from the request appealed: the customer and the law.
        #expect(stored.request.accountID == h.customer)
        #expect(stored.request.jurisdictionID == "us-va")
        // Va. Code §59.1-577(C): 60 days from receipt of the appeal (2026-09-03).
        #expect(stored.schedule.response.due == .d("2026-11-02"))
        #expect(stored.schedule.response.citation.contains("59.1-577(C)"))
        #expect(try await h.requests.dossier(refused).appeal == appeal)
        #expect(try await h.requests.dossier(appeal).stored.appealOf == refused)

        // One appeal per refusal: a second joins the first.
        let again = try await h.requests.submit(RequestSubmission(kind: .appeal, channel: .email, appealOf: refused))
        #expect(again.outcome == .linked(appeal))
    }

    @Test("An appeal is refused before anything is stored when it cannot be lodged")
    func refusedAtIntake() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let open = try await h.requests.submit(
            RequestSubmission(kind: .deletion, accountID: h.customer, channel: .web, jurisdiction: "us-va")
        ).outcome.requestID
        let underGDPR = try await p.refused(.deactivation, jurisdiction: "uk-gdpr")
        let refused = try await p.refused()
        let cases: [(RequestSubmission, String)] = [
            (RequestSubmission(kind: .appeal, channel: .web), "name the refused request"),
            (
                RequestSubmission(kind: .export, accountID: h.customer, channel: .web, appealOf: refused),
                "only an appeal"
            ),
            (RequestSubmission(kind: .appeal, channel: .web, appealOf: open), "only a refused request"),
            (RequestSubmission(kind: .appeal, channel: .web, appealOf: underGDPR), "gives no right of appeal"),
            (RequestSubmission(kind: .appeal, channel: .web, appealOf: refused, grounds: "a\u{7}b"), "control"),
            (
                RequestSubmission(kind: .appeal, channel: .web, jurisdiction: "us-co", appealOf: refused),
                "under the law of the request"
            ),
        ]
        let before = try await h.requests.list(RequestQuery(statuses: nil, limit: 100)).count
        for (submission, why) in cases {
            await #expect {
                try await h.requests.submit(submission)
            } throws: { error in
                guard case RequestError.invalidAppeal(let message) = error else { return false }
                return message.contains(why)
            }
        }
        #expect(try await h.requests.list(RequestQuery(statuses: nil, limit: 100)).count == before)
        // The decision on an appeal is final.
        try await p.addOfficer("officer-2")
        let appeal = try await p.verifiedAppeal(of: refused)
        _ = try await h.requests.deny(
            appeal,
            basis: .other,
            reason: "Reviewed; the refusal stands.",
            by: .staff("officer-2")
        )
        await #expect(
            throws: RequestError.invalidAppeal(
                "an appeal's decision is final; the customer may complain to the supervisory authority"
            )
        ) {
            try await h.requests.submit(RequestSubmission(kind: .appeal, channel: .web, appealOf: appeal))
        }
    }

    @Test("The officer who refused does not decide the appeal while another officer can")
    func independentDecider() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await p.addOfficer("officer-1")
        let alone = try await p.verifiedAppeal(of: try await p.refused())
        // With nobody else to decide, the same officer may answer.
        _ = try await h.requests.deny(alone, basis: .other, reason: "Reviewed alone.", by: .staff("officer-1"))

        try await p.addOfficer("officer-2")
        let refused = try await p.refused(.deletion)
        let appeal = try await p.verifiedAppeal(of: refused)
        await #expect(throws: RequestError.sameDecider(refused, officer: "officer-1")) {
            try await h.requests.approve(appeal, by: "officer-1")
        }
        await #expect(throws: RequestError.sameDecider(refused, officer: "officer-1")) {
            try await h.requests.deny(appeal, basis: .other, reason: "no", by: .staff("officer-1"))
        }
        #expect(try await h.store.request(appeal)?.request.status == .verified)
        try await h.requests.approve(appeal, by: "officer-2")
        #expect(try await h.store.request(appeal)?.request.status == .inProgress)
    }

    @Test("Upholding an appeal reopens the request once, even if the job stopped after reopening it")
    func upheldOnce() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await p.addOfficer("officer-2")
        let refused = try await p.refused()
        let appeal = try await p.verifiedAppeal(of: refused)
        try await h.requests.approve(appeal, by: "officer-2")
        // As if the job had reopened the request and been killed before completing the appeal.
        let early = try await h.requests.submit(
            RequestSubmission(
                kind: .export,
                accountID: h.customer,
                channel: .web,
                jurisdiction: "us-va",
                idempotencyKey: "appeal-upheld:\(appeal.rawValue)",
                submittedBy: .system("appeal")
            )
        )
        #expect(try await p.runner.runOnce().completed == 1)
        let done = try #require(try await h.store.request(appeal))
        #expect(done.request.status == .completed)
        let exports = try await h.requests.list(RequestQuery(statuses: nil, accountID: h.customer, kind: .export))
        let ids = Set(exports.map(\.id.rawValue))
        #expect(ids == [refused.rawValue, early.outcome.requestID.rawValue])
        let completion = try #require(
            try await h.store.pendingMessages(limit: 100, now: .distantFuture).last {
                $0.message.kind == .requestCompleted && $0.message.parameters["request"] == appeal.rawValue
            }
        )
        #expect(completion.message.parameters["summary"]?.contains(early.outcome.requestID.rawValue) == true)
    }

    @Test("Refusing an appeal tells the customer how to complain to the Attorney General")
    func refusedNamesTheAuthority() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        try await p.addOfficer("officer-2")
        let appeal = try await p.verifiedAppeal(of: try await p.refused())
        _ = try await h.requests.deny(
            appeal,
            basis: .exemption,
            reason: "The data is kept under a legal obligation.",
            by: .staff("officer-2")
        )
        let denial = try #require(
            try await h.store.pendingMessages(limit: 100, now: .distantFuture).last {
                $0.message.kind == .requestDenied && $0.message.parameters["request"] == appeal.rawValue
            }
        )
        #expect(denial.message.parameters["complain-to"]?.contains("Virginia Office of the Attorney General") == true)
        #expect(denial.message.parameters["complain-at"]?.hasPrefix("https://www.oag.state.va.us") == true)
        // The yearly report counts appeals in their own row, apart from the request refused.
        let metrics = try await CCPAMetrics.compile(year: 2026, jurisdiction: "us-va", store: h.store)
        let appeals = try #require(metrics.rows.first { $0.kind == .appeal })
        #expect(appeals.received == 1 && appeals.denied == 1)
        #expect(metrics.rows.first { $0.kind == .know }?.denied == 1)
        #expect(metrics.csv.contains("2026,us-va,appeal,1,0,1,0,"))
    }
}

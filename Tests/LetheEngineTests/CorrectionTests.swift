import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

extension ProcessingHarness {
    /// A verified correction request for the harness customer.
    func verifiedCorrection(_ correction: Correction, jurisdiction: String? = nil) async throws -> RequestID {
        let id = try await h.requests.submit(
            RequestSubmission(
                kind: .correction,
                accountID: h.customer,
                channel: .web,
                jurisdiction: jurisdiction,
                correction: correction
            )
        ).outcome.requestID
        let code = try #require(try await h.lastCode(id))
        #expect(try await h.requests.verifyCode(id, code: code))
        return id
    }
}

@Suite("Correction requests")
struct CorrectionTests {
    @Test(
        "An accepted correction is applied with a record note, the customer is told, recipients are told, the request completes"
    )
    func acceptedCorrection() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        // Stopped in line below, as the other recipient tests do: an unstructured task left running past
        // the test could still be waiting on the listener's process when the test runner exits.
        let crm = try Listener(folder: h.folder, failFirst: 0)
        try await h.store.addRecipient(
            Recipient(id: "crm", name: "CRM", categories: [.identity], webhookURL: crm.url, active: true),
            secret: "crm-signing-secret",
            at: h.clock.now(),
            by: "staff:officer"
        )
        let id = try await p.verifiedCorrection(
            Correction(.fullName("  Honora Wrenfield-Ames "), statement: "My name changed on marriage.")
        )
        let stored = try #require(try await h.store.request(id))
        #expect(stored.request.deadlineKind == .correction)
        #expect(
            stored.correction
                == Correction(.fullName("Honora Wrenfield-Ames"), statement: "My name changed on marriage.")
        )

        try await h.requests.approve(id, by: "officer-1")
        #expect(try await p.runner.runOnce().completed == 1)  // the correction itself
        #expect(try await h.store.account(h.customer)?.fullName == "Honora Wrenfield-Ames")
        #expect(try await h.store.request(id)?.request.status == .completed)
        let notes = try await h.accounts.notes(RecordNoteQuery(accountID: h.customer)).filter {
            $0.reference == id.rawValue
        }
        #expect(notes.count == 1)
        #expect(notes.first?.changedFields == ["full-name"])
        #expect(notes.first?.verification?.method == .oneTimeCodeEmail)
        #expect(notes.first?.reason.contains("My name changed on marriage.") == true)

        let kinds = try await h.store.pendingMessages(limit: 100, now: .distantFuture).map(\.message.kind)
        #expect(kinds.contains(.accountChanged))
        #expect(kinds.contains(.requestCompleted))

        #expect(try await p.runner.runOnce().completed == 1)  // the recipient told (GDPR Art 19)
        let received = try crm.requests()
        await crm.stop()
        let body = try #require(received.first?["body"] as? String)
        #expect(body.contains("\"action\":\"rectification\"") && body.contains("full-name"))
        #expect(!body.contains("Wrenfield-Ames"))

        // 11 CCR §7102: corrections are counted as requests to correct.
        let metrics = try await CCPAMetrics.compile(year: 2026, jurisdiction: "uk-gdpr", store: h.store)
        let correct = try #require(metrics.rows.first { $0.kind == .correct })
        #expect(correct.received == 1 && correct.compliedInWholeOrInPart == 1)
    }

    @Test("A correction job that applied the change and stopped completes on its next run without a second note")
    func exactlyOnce() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.verifiedCorrection(Correction(.phone("+44 7700 900123")))
        try await h.requests.approve(id, by: "officer-1")
        // As if the job had applied the change and been killed before completing the request.
        let verified = try #require(try await h.accounts.verifySecurityAnswer(h.customer, answer: "Pemberton", by: "a"))
        _ = try await h.accounts.modify(
            h.customer,
            changes: [.phone("+447700900123")],
            verification: verified,
            reason: "applied before the crash",
            reference: id.rawValue,
            by: "system:correction"
        )
        let before = try await h.accounts.notes(RecordNoteQuery(accountID: h.customer)).count
        #expect(try await p.runner.runOnce().completed == 1)
        #expect(try await h.accounts.notes(RecordNoteQuery(accountID: h.customer)).count == before)
        #expect(try await h.store.request(id)?.request.status == .completed)
    }

    @Test("A refused correction changes nothing on the account")
    func refused() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.verifiedCorrection(Correction(.email("honora.other@example.org")))
        _ = try await h.requests.deny(
            id,
            basis: .other,
            reason: "The address on record is the one you confirmed at sign-up.",
            by: .staff("officer-1")
        )
        #expect(try await h.store.request(id)?.request.status == .denied)
        #expect(try await p.runner.runOnce().completed == 0)
        #expect(try await h.store.account(h.customer)?.email == "honora.w@example.org")
    }

    @Test("A correction to another account's email goes to the supervisors and stays open")
    func conflictGoesToSupervisors() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        _ = try await h.accounts.create(
            AccountApplication(fullName: "Other Person", email: "taken@example.org", residence: "uk-gdpr"),
            by: "agent-1"
        )
        let id = try await p.verifiedCorrection(Correction(.email("taken@example.org")))
        try await h.requests.approve(id, by: "officer-1")
        #expect(try await p.runner.runOnce().completed == 1)
        let stored = try #require(try await h.store.request(id))
        #expect(stored.request.status == .inProgress)
        #expect(stored.assignee == "supervisors")
        #expect(try await h.store.alerts(id).map(\.threshold) == ["correction-conflict"])
        #expect(try await h.store.account(h.customer)?.email == "honora.w@example.org")
    }

    @Test(
        "Intake refuses a correction that is missing, misplaced or malformed, and stores nothing",
        arguments: [
            (RequestKind.correction, nil as Correction?, "say which field"),
            (.export, Correction(.fullName("Ada King")), "only a correction request"),
            (.correction, Correction(.email("not an address")), "email is not a valid address"),
            (.correction, Correction(.phone("call me")), "phone is not a valid"),
            (.correction, Correction(.fullName("   ")), "full-name must be"),
            (.correction, Correction(.fullName("Ada\u{0}King")), "control characters"),
            (
                .correction, Correction(.fullName("Ada King"), statement: String(repeating: "x", count: 2001)),
                "statement"
            ),
            (
                .correction,
                Correction(
                    .address(
                        id: 999_999,
                        PostalAddress(label: "home", line1: "1 Way", city: "Town", postalCode: "T1", country: "GB")
                    )
                ),
                "not on the account"
            ),
        ]
    )
    func refusedAtIntake(kind: RequestKind, correction: Correction?, why: String) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        await #expect {
            try await h.requests.submit(
                RequestSubmission(kind: kind, accountID: h.customer, channel: .web, correction: correction)
            )
        } throws: { error in
            guard case RequestError.invalidCorrection(let message) = error else { return false }
            // The refusal names the field and the rule, never the value.
            return message.contains(why) && !message.contains("Ada") && !message.contains("call me")
        }
        #expect(try await h.requests.list(RequestQuery(statuses: nil)).isEmpty)
    }

    @Test("The corrected value is sealed in the request's row and gone with the customer's key")
    func sealedAndShredded() async throws {
        let p = try await ProcessingHarness()
        let h = p.h
        defer { h.close() }
        let id = try await p.verifiedCorrection(Correction(.fullName("Honora Quillfeather")))
        let rows = try await h.store.storedRows("SELECT correction FROM privacy_requests WHERE id = ?", [id.rawValue])
        let sealed = try #require(rows.first?["correction"]?.blob)
        #expect(sealed.range(of: Data("Quillfeather".utf8)) == nil)
        // Moved to another request's row of the same customer, it no longer opens.
        let other = try await h.submit(.export).outcome.requestID
        try await h.store.tamper(
            "UPDATE privacy_requests SET correction = ? WHERE id = ?",
            [.blob(sealed), .text(other.rawValue)]
        )
        await #expect(throws: (any Error).self) { try await h.store.request(other) }
        // Erasing the customer destroys the key: the request stays, its correction is gone.
        try await h.store.tamper("UPDATE privacy_requests SET correction = NULL WHERE id = ?", [.text(other.rawValue)])
        let deletion = try await h.submit(.deletion).outcome.requestID
        _ = try await h.store.eraseCustomer(
            h.customer,
            request: deletion,
            plan: ErasurePlan(decisions: [:]),
            at: h.clock.now()
        )
        let after = try #require(try await h.store.request(id))
        #expect(after.correction == nil)
    }
}

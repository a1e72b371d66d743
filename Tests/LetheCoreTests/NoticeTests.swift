import Foundation
import LetheCore
import Testing

@Suite("Typed notices")
struct NoticeTests {
    static let request = RequestID("R-20260903-AB12CD34")
    static let account: AccountID = {
        guard let id = AccountID(number: 4_242) else { preconditionFailure("4242 is a valid account number") }
        return id
    }()
    static let due: LocalDate = {
        guard let date = LocalDate("2026-10-03") else { preconditionFailure("a valid date") }
        return date
    }()

    static let everyNotice: [Notice] = [
        .welcome(account: account),
        .accountChanged(fields: ["email", "payment-method"]),
        .accountReactivated(account: account),
        .verificationCode(request: request, code: "123456", expiresInMinutes: 15),
        .agentConfirmation(
            request: request,
            code: "654321",
            expiresInMinutes: 30,
            agent: "acme-agent",
            kind: .deletion
        ),
        .accountVerificationCode(code: "111111", expiresInMinutes: 15),
        .signInCode(code: "222222", expiresInMinutes: 15),
        .receiptAcknowledgement(request: request, kind: .export, law: "UK GDPR", respondBy: due),
        .extensionNotice(request: request, reason: "complex request", respondBy: due),
        .requestCompleted(request: request, kind: .export, summary: "Your bundle is ready."),
        .requestDenied(
            request: request,
            basis: .unverifiable,
            reason: "We could not confirm it was you.",
            complainTo: "Information Commissioner's Office",
            complainAt: "https://ico.org.uk/make-a-complaint/"
        ),
        .requestDueSoon(request: request, due: due, daysLeft: 3, assignee: "officer", level: "officer"),
        .requestOverdue(request: request, due: due, daysLeft: -1, assignee: "unassigned", level: "supervisor"),
        .requestNeedsSupervisor(request: request, reason: "email conflict"),
        .deemedRefusal(
            request: request,
            due: due,
            citation: "CQLR c P-39.1 s.32",
            complainTo: "Commission d'accès à l'information du Québec",
            complainAt: "https://www.cai.gouv.qc.ca/"
        ),
        .deletionScheduled(request: request, eraseOn: due),
        .deletionConfirmation(request: request),
        .drpStatus(request: "drp-1", agent: "acme-agent", body: #"{"status":"in_progress"}"#),
    ]

    @Test("every notice survives the trip through its stored kind and parameters", arguments: everyNotice)
    func roundTrip(_ notice: Notice) throws {
        #expect(try Notice(kind: notice.kind.rawValue, parameters: notice.parameters) == notice)
    }

    @Test("every stored kind has a notice")
    func everyKindCovered() {
        #expect(Set(Self.everyNotice.map(\.kind)) == Set(NoticeKind.allCases))
    }

    @Test("rows written before notices were typed still read, extra parameters and all")
    func legacyRows() throws {
        // Intake used to give every code message the agent and kind, empty for a customer's own request.
        let legacy = try Notice(
            kind: "verification-code",
            parameters: [
                "request": Self.request.rawValue, "code": "123456", "expires-minutes": "15", "agent": "",
                "kind": "export",
            ]
        )
        #expect(legacy == .verificationCode(request: Self.request, code: "123456", expiresInMinutes: 15))
    }

    @Test(
        "an unknown kind or a missing fact is refused, naming which",
        arguments: [
            ("reminder", [String: String](), nil as String?),
            ("verification-code", ["request": "R-1", "code": "1"], "expires-minutes"),
            ("deletion-scheduled", ["request": "R-1", "erase-on": "31/12/2026"], "erase-on"),
            ("request-denied", ["request": "R-1", "basis": "bored"], "basis"),
        ]
    )
    func refused(kind: String, parameters: [String: String], missing: String?) {
        #expect(throws: NoticeDecodingError(kind: kind, parameter: missing)) {
            try Notice(kind: kind, parameters: parameters)
        }
    }
}

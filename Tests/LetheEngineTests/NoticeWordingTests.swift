import Foundation
import LetheCore
import Testing

@testable import LetheEngine

/// What a notice says, and who signs it.
@Suite("Notice wording")
struct NoticeWordingTests {
    static let request = RequestID("R-20261205-ABCD1234")
    static let account: AccountID = {
        guard let id = AccountID(number: 1) else { preconditionFailure("1 is a valid account number") }
        return id
    }()

    static func december(_ day: Int) -> LocalDate {
        guard let date = LocalDate(year: 2026, month: 12, day: day) else { preconditionFailure("a valid date") }
        return date
    }

    static let staffAlerts: [Notice] = [
        .requestNeedsSupervisor(request: request, reason: "legal hold"),
        .requestOverdue(
            request: request,
            due: december(1),
            daysLeft: -4,
            assignee: "o",
            level: "overdue"
        ),
        .requestDueSoon(
            request: request,
            due: december(9),
            daysLeft: 3,
            assignee: "o",
            level: "due-3"
        ),
    ]

    @Test("staff alerts are not signed as if to a customer", arguments: staffAlerts)
    func staffAlertsUnsigned(_ alert: Notice) {
        #expect(!NotificationTemplates.render(alert, controller: .unconfigured).body.contains("Privacy notice:"))
    }

    @Test("a customer's notice ends with the controller's name, address, contact and privacy notice")
    func customerNoticesSigned() {
        let controller = DataController(
            name: "Acme Widgets GmbH",
            postalAddress: "Hauptstraße 1, Berlin",
            email: "datenschutz@acme.example",
            privacyNoticeURL: "https://acme.example/datenschutz",
            privacyCenterURL: "https://privacy.acme.example/privacy"
        )
        let body = NotificationTemplates.render(.welcome(account: Self.account), controller: controller).body
        #expect(body.hasSuffix("Your privacy center: https://privacy.acme.example/privacy"))
        #expect(
            body.contains(
                "Acme Widgets GmbH, Hauptstraße 1, Berlin\nQuestions about your data: datenschutz@acme.example"
            )
        )
        #expect(!body.contains("data protection officer"))
    }

    @Test(
        "a deemed refusal tells the customer the law's rule, the authority to apply to, and that the answer still comes"
    )
    func deemedRefusalWording() {
        let notice = Notice.deemedRefusal(
            request: Self.request,
            due: Self.december(1),
            citation: "CQLR c P-39.1 s.32",
            complainTo: "Commission d'accès à l'information du Québec",
            complainAt: "https://www.cai.gouv.qc.ca/"
        )
        let (subject, body) = NotificationTemplates.render(notice, controller: .unconfigured)
        #expect(subject.contains("did not answer"))
        #expect(body.contains("by 2026-12-01"))
        #expect(body.contains("treats this as a refusal (CQLR c P-39.1 s.32)"))
        #expect(body.contains("apply to Commission d'accès à l'information du Québec (https://www.cai.gouv.qc.ca/)"))
        #expect(body.contains("will answer it"))
    }
}

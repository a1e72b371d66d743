import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// Requests staff record for a customer who asked by phone, email or in person: the channels such a
/// request arrives on, and the correction form of the account page.
enum StaffIntake {
    /// The channels a member of staff records a request from (never the web forms, an agent or a signal,
    /// which arrive by themselves).
    static let channels: [RequestChannel] = [.phone, .email, .chat, .agent]

    /// The channel chosen on a form, phone when none was.
    ///
    /// - Throws: a 400 problem for a channel staff do not record.
    static func channel(_ text: String?) throws -> RequestChannel {
        guard let text, !text.isEmpty else { return .phone }
        guard let channel = RequestChannel(rawValue: text), channels.contains(channel) else {
            throw Problem.badRequest("a request recorded by staff arrives by phone, email, chat or in person (agent)")
        }
        return channel
    }
}

// The account page's correction form: staff record a correction the customer asked for by phone, email or
// in person; it is verified and decided like any other request.
extension AccountRoutes {
    /// Adds `POST /dashboard/accounts/:account/correction`.
    func registerRequests(on dashboard: RouterGroup<LetheRequestContext>) {
        dashboard.post("accounts/:account/correction") { request, context in try await correction(request, context) }
    }

    /// Records the correction (needs `submit-requests` and the CSRF token) and opens its request page; a
    /// refusal is shown on the account page.
    func correction(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        guard let principal = try staff(context, .submitRequests) else { return Pages.redirect("/login") }
        let account = try context.parameters.require("account")
        let id: AccountID
        do { id = try AccountID(account) } catch { throw Problem.badRequest("an account id is TR- and 5 digits") }
        let asked = form["field"].flatMap(CorrectableField.init(rawValue:)).flatMap {
            Correction.Value($0, text: form["value"] ?? "")
        }
        let receipt: IntakeReceipt
        do {
            guard let asked else { throw RequestError.invalidCorrection("choose the name, email or phone to correct") }
            receipt = try await runtime.requests().submit(
                RequestSubmission(
                    kind: .correction,
                    accountID: id,
                    channel: try StaffIntake.channel(form["channel"]),
                    correction: Correction(asked, statement: form["statement"]),
                    submittedBy: .staff(principal.actorName)
                )
            )
        } catch let error as RequestError {
            return try await accountPage(context, account: account, revealed: nil, outcome: .refused(error.description))
        }
        outbox.nudge()
        return Pages.redirect("/dashboard/requests/\(receipt.outcome.requestID)")
    }
}

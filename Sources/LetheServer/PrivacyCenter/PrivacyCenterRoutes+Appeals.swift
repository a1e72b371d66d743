import Foundation
import Hummingbird
import LetheCore
import LetheEngine

// Appeals in the privacy center: a refused request's page offers the appeal the customer's law grants,
// and says where an appeal already lodged stands.
extension PrivacyCenterRoutes {
    /// Adds to a request page's model whether the refusal can be appealed (with the law's period and
    /// citation), or the appeal already lodged.
    func addAppeal(to model: inout [String: Any], _ stored: StoredRequest) async throws {
        guard let rule = requests.appealRule(for: stored) else { return }
        if let lodged = try await requests.appeal(of: stored.request.id) {
            model["appealedBy"] = lodged.rawValue
        } else {
            model["appealable"] = ["period": rule.response.period.description, "citation": rule.response.citation]
        }
    }

    /// Lodges the signed-in customer's appeal against their own refused request (needs the CSRF token),
    /// then asks them to confirm it with the emailed code.
    func appeal(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        try context.checkCSRF(request, formToken: form["csrf"] ?? "")
        let stored = try await ownRequest(context, try context.parameters.require("id"))
        let receipt: IntakeReceipt
        do {
            receipt = try await requests.submit(
                RequestSubmission(
                    kind: .appeal,
                    accountID: customer(context),
                    channel: .web,
                    appealOf: stored.request.id,
                    grounds: form["grounds"],
                    submittedBy: .customer
                )
            )
        } catch let error as RequestError {
            var model = frame(context, request, title: "Request \(stored.request.id)")
            model["request"] = requestModel(stored)
            model["error"] = error.description
            try await addAppeal(to: &model, stored)
            return pages.render("privacy-request", model, status: .badRequest)
        }
        outbox.nudge()
        let id = receipt.outcome.requestID.rawValue
        if receipt.status == .awaitingVerification { return Pages.redirect("/privacy/requests/\(id)/verify") }
        return Pages.redirect("/privacy/requests/\(id)")
    }
}

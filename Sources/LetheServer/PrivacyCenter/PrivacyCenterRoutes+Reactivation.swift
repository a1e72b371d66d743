import Foundation
import Hummingbird
import LetheCore
import LetheEngine
import Logging

// A deactivated customer asks to use the account again: a code goes to the registered email, and the
// right code reactivates the account and signs them in. The pages answer alike for every email, so they
// cannot be used to learn who is a customer or whose account is deactivated.
extension PrivacyCenterRoutes {
    /// Adds `POST /privacy/reactivate` (send the code) and `POST /privacy/reactivate/confirm` (use it).
    func registerReactivation(on center: RouterGroup<LetheRequestContext>) {
        center.post("reactivate") { request, context in try await sendReactivationCode(request, context) }
        center.post("reactivate/confirm") { request, context in try await reactivate(request, context) }
    }

    /// Answers "check your email" at once and sends the code in the background, as sign-in does, so
    /// neither the answer nor its timing depends on the email.
    func sendReactivationCode(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        let email = form["email"] ?? ""
        let accounts = runtime.accounts()
        let outbox = self.outbox
        let logger = context.logger
        Task {
            do {
                try await accounts.sendReactivationCode(email: email)
                outbox.nudge()
            } catch {
                logger.error("reactivation code failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
        }
        var model = frame(context, request, title: "Check your email")
        model["email"] = email
        model["reactivating"] = true
        return pages.render("privacy-code", model)
    }

    /// Reactivates the account for the right code and opens the customer's session; a wrong code gets the
    /// form again with the reason.
    func reactivate(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        let email = form["email"] ?? ""
        var model = frame(context, request, title: "Check your email")
        model["email"] = email
        model["reactivating"] = true
        do {
            let id = try await runtime.accounts().reactivate(email: email, code: form["code"] ?? "")
            outbox.nudge()
            let session = try await access.openCustomerSession(id)
            let lifetime = Int(session.expiresAt.timeIntervalSince(runtime.clock.now()))
            return Pages.redirect("/privacy/account?reactivated=1", cookies: [cookie(session.token, maxAge: lifetime)])
        } catch AccountError.codeRefused {
            model["error"] = AccountError.codeRefused.description
            return pages.render("privacy-code", model, status: .unauthorized)
        } catch AccountError.notDeactivated {
            // Only someone holding the code gets here, so saying the account is in use tells no stranger.
            model["error"] = "This account is not deactivated: sign in with your email instead."
            return pages.render("privacy-code", model, status: .conflict)
        }
    }
}

import Foundation
import Hummingbird
import LetheCore
import LetheEngine

/// Signing staff in and out, the dashboard's front door and its stylesheet.
struct SessionRoutes: DashboardController {
    /// The server's shared services and settings.
    let dependencies: ServerDependencies

    /// The sign-in routes over the server's dependencies.
    init(_ dependencies: ServerDependencies) { self.dependencies = dependencies }

    /// Adds `/` (to the dashboard), the stylesheet, `GET`/`POST /login` and `POST /logout` (which needs the
    /// CSRF token and deletes the session, not only the cookie).
    func register(on router: Router<LetheRequestContext>) {
        router.get("/") { _, _ in Pages.redirect("/dashboard") }
        router.get("assets/style.css") { _, _ in pages.stylesheet() }
        router.get("login") { _, context in
            context.principal?.role != nil ? Pages.redirect("/dashboard") : pages.render("login", [String: Any]())
        }
        router.post("login") { request, context in try await signIn(request, context) }
        router.post("logout") { request, context in
            let form = try await Form(request, context: context)
            try context.checkCSRF(request, formToken: form["csrf"] ?? "")
            if let token = context.sessionToken { try await access.signOut(sessionToken: token) }
            return Pages.redirect("/login", cookies: [clearCookie(AuthenticationMiddleware.sessionCookie, path: "/")])
        }
    }

    /// Checks the username and password and sets the session cookie; a refusal redisplays the form with the
    /// reason (401, or 429 when throttled), never saying whether the username exists.
    func signIn(_ request: Request, _ context: LetheRequestContext) async throws -> Response {
        let form = try await Form(request, context: context)
        do {
            let session = try await access.signIn(
                username: form["username"] ?? "",
                password: form.values["password"]?.first ?? "",
                client: context.clientAddress
            )
            let lifetime = Int(session.expiresAt.timeIntervalSince(runtime.clock.now()))
            return Pages.redirect(
                "/dashboard",
                cookies: [
                    sessionCookie(AuthenticationMiddleware.sessionCookie, session.token, path: "/", maxAge: lifetime)
                ]
            )
        } catch let error as AccessError {
            let status: HTTPResponse.Status = error == .throttled ? .tooManyRequests : .unauthorized
            return pages.render(
                "login",
                ["error": error.description, "username": form["username"] ?? ""],
                status: status
            )
        }
    }
}

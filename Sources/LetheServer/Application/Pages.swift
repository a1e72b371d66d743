import Foundation
import Hummingbird
import LetheCore
import Mustache

/// Server-rendered HTML from the mustache templates in `Templates/`: no JavaScript, no build step.
/// Values are HTML-escaped by mustache's `{{ }}`; only markup the server made itself uses `{{{ }}}`.
public struct Pages: Sendable {
    /// The parsed templates, by name (the file name without `.mustache`).
    let library: MustacheLibrary
    /// Who is responsible for the data, as `{{controller.*}}` on every page that does not set its own.
    var controller: [String: String] = Self.model(DataController.unconfigured)
    /// How pages show instants: in the controller's time zone.
    var times = TimeDisplay.utc

    /// The same templates, with `controller` named on every page and times in its zone.
    func signed(by controller: DataController) -> Pages {
        var pages = self
        pages.controller = Self.model(controller)
        pages.times = TimeDisplay(zone: controller.timeZone)
        return pages
    }

    /// The controller as the templates read it.
    static func model(_ controller: DataController) -> [String: String] {
        [
            "name": controller.name, "address": controller.postalAddress, "email": controller.email,
            "privacyNotice": controller.privacyNoticeURL, "dpoEmail": controller.dpoEmail ?? "",
        ]
    }

    /// Loads the templates bundled with the module.
    /// - Throws: ``Problem/internalError`` when the module has no resource folder; the template parser's
    ///   error for a template that does not compile.
    public static func load() async throws -> Pages {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw Problem.internalError
        }
        return Pages(library: try await MustacheLibrary(directory: folder))
    }

    /// A page, or a 500 problem when a template is missing (a packaging error, caught by the page tests).
    func render(_ name: String, _ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        var object = object
        if var dictionary = object as? [String: Any], dictionary["controller"] == nil {
            dictionary["controller"] = controller
            object = dictionary
        }
        guard let html = library.render(Self.withoutEmptyText(object), withTemplate: name) else {
            return ProblemMiddleware.response(Problem.internalError, requestID: "template:\(name)")
        }
        return Self.html(html, status: status)
    }

    /// The stylesheet, served from the same origin so the Content-Security-Policy can forbid inline styles.
    func stylesheet() -> Response {
        let css = library.render([String: String](), withTemplate: "style") ?? ""
        return Response(
            status: .ok,
            headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: css))
        )
    }

    /// Mustache treats an empty string as present; the templates mean "absent" by it, so drop them.
    static func withoutEmptyText(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            var out: [String: Any] = [:]
            for (key, item) in dictionary {
                if let text = item as? String, text.isEmpty { continue }
                out[key] = withoutEmptyText(item)
            }
            return out
        case let array as [[String: Any]]:
            return array.map { withoutEmptyText($0) }
        default:
            return value
        }
    }

    /// An HTML response with `status`; the security headers are added by middleware.
    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// A 303 See Other to `location`, setting `cookies`: the answer to every successful form post.
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location]
        for cookie in cookies { headers.append(.init(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// A plain error page for browsers, without templates (it must work when they do not).
    static func errorPage(
        _ problem: Problem,
        requestID: String,
        home: String = "/",
        controller: DataController? = nil
    ) -> Response {
        let detail = HTMLText.escape(problem.detail ?? "")
        // A customer's error page, like every customer page, says who is responsible for their data.
        let footer = controller.map { controller in
            let dpo = controller.dpoEmail.map {
                "; our data protection officer: <a href=\"mailto:\(HTMLText.escape($0))\">\(HTMLText.escape($0))</a>"
            }
            return """
                <footer class="site narrow"><p>\(HTMLText.escape(controller.name)) is responsible for your data. Write to us at \
                \(HTMLText.escape(controller.postalAddress)), or email <a href="mailto:\(HTMLText.escape(controller.email))">\
                \(HTMLText.escape(controller.email))</a>\(dpo ?? ""). Read our \
                <a href="\(HTMLText.escape(controller.privacyNoticeURL))">privacy notice</a>.</p></footer>
                """
        }
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escape(problem.title))</title>
            <link rel="stylesheet" href="/assets/style.css"></head><body><main class="narrow">
            <h1>\(HTMLText.escape(problem.title))</h1><p>\(detail)</p>
            <p class="muted">Reference: \(HTMLText.escape(requestID))</p><p><a href="\(HTMLText.escape(home))">Start again</a></p>
            </main>\(footer ?? "")</body></html>
            """
        return Self.html(html, status: .init(code: problem.status))
    }
}

/// A submitted `application/x-www-form-urlencoded` body.
struct Form: Sendable {
    /// Every field's values, decoded, in the order sent.
    let values: [String: [String]]

    /// Reads and parses the request's body (up to the context's upload ceiling).
    init(_ request: Request, context: LetheRequestContext) async throws {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        self.init(String(buffer: buffer))
    }

    /// Parses an encoded form body; a field sent twice keeps both values.
    init(_ text: String) {
        var values: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let key = parts.first.map(decode) else { continue }
            values[key, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        self.values = values
    }

    /// The field's first value, trimmed; nil when absent or blank, so a blank field counts as not given.
    subscript(_ key: String) -> String? {
        values[key]?.first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}

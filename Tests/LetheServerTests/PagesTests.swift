import Foundation
import Testing

@testable import LetheServer

@Suite("Pages")
struct PagesTests {
    @Test("an empty value renders as absent, so optional sections stay hidden")
    func emptyTextIsAbsent() async throws {
        let pages = try await Pages.load()
        let model: [String: Any] = ["id": "R-1", "due": "", "title": "Request received"]
        let html = try #require(pages.library.render(Pages.withoutEmptyText(model), withTemplate: "privacy-received"))
        #expect(html.contains("R-1"))
        #expect(!html.contains("respond by"))
        let nested = Pages.withoutEmptyText(["a": "", "b": "x", "c": [["d": ""]]] as [String: Any]) as? [String: Any]
        #expect(nested?["a"] == nil)
        #expect(nested?["b"] as? String == "x")
        #expect((nested?["c"] as? [[String: Any]])?.first?["d"] == nil)
    }

    @Test("every template the routes use loads")
    func templatesLoad() async throws {
        let pages = try await Pages.load()
        for name in [
            "staff", "customer", "login", "queue", "request", "dossier", "account", "oversight", "load", "report",
            "privacy-home", "privacy-code", "privacy-verify", "privacy-received", "privacy-request", "privacy-account",
            "style",
        ] {
            #expect(pages.library.getTemplate(named: name) != nil, "\(name)")
        }
    }
}

import Foundation
import Testing

@testable import LetheServer

/// The shipped stylesheet meets WCAG 2.2 AA contrast (4.5:1 for text) for every text colour it pairs
/// with a background, read from the stylesheet itself so a colour change is checked.
@Suite("Accessible contrast")
struct ContrastTests {
    /// The stylesheet with its custom properties resolved.
    static func stylesheet() async throws -> (css: String, variables: [String: String]) {
        let pages = try await Pages.load()
        let css = try #require(pages.library.render([String: String](), withTemplate: "style"))
        var variables: [String: String] = [:]
        let pattern = try NSRegularExpression(pattern: #"--([a-z]+):\s*(#[0-9a-fA-F]{3,6})"#)
        for match in pattern.matches(in: css, range: NSRange(css.startIndex..., in: css)) {
            guard let name = Range(match.range(at: 1), in: css), let value = Range(match.range(at: 2), in: css)
            else { continue }
            variables[String(css[name])] = String(css[value])
        }
        return (css, variables)
    }

    /// The value of `property` in the rule for `selector` (exact selector text), with `var()` resolved.
    static func value(
        _ property: String,
        of selector: String,
        in sheet: (css: String, variables: [String: String])
    )
        -> String?
    {
        // A rule starts a line or follows another rule's closing brace, so `a` does not match `.bar a`.
        let css = "\n" + sheet.css
        guard let start = css.range(of: "\n" + selector + " {") ?? css.range(of: "} " + selector + " {") else {
            return nil
        }
        let body = css[start.upperBound...].prefix { $0 != "}" }
        for declaration in body.split(separator: ";") {
            let parts = declaration.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == property else { continue }
            if parts[1].hasPrefix("var(--") {
                return sheet.variables[String(parts[1].dropFirst(6).dropLast())]
            }
            return parts[1]
        }
        return nil
    }

    static func luminance(_ hex: String) -> Double {
        var digits = hex.dropFirst().map(String.init)
        if digits.count == 3 { digits = digits.flatMap { [$0, $0] } }
        let channels = stride(from: 0, to: 6, by: 2).map {
            Double(Int(digits[$0] + digits[$0 + 1], radix: 16) ?? 0) / 255
        }
        let linear = channels.map { $0 <= 0.03928 ? $0 / 12.92 : pow(($0 + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    }

    static func ratio(_ a: String, _ b: String) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    struct Pair: Sendable, CustomTestStringConvertible {
        let what: String
        let foreground: (selector: String, property: String)
        let background: (selector: String, property: String)
        var testDescription: String { what }
    }

    static let pairs: [Pair] = [
        Pair(what: "body text", foreground: ("body", "color"), background: ("body", "background")),
        Pair(what: "muted text", foreground: (".muted", "color"), background: ("body", "background")),
        Pair(what: "links", foreground: ("a", "color"), background: ("body", "background")),
        Pair(what: "errors", foreground: (".error", "color"), background: ("body", "background")),
        Pair(what: "the header bar", foreground: (".bar", "color"), background: (".bar", "background")),
        Pair(
            what: "the OVERDUE badge",
            foreground: (".badge.overdue", "color"),
            background: (".badge.overdue", "background")
        ),
        Pair(
            what: "the due-soon badge",
            foreground: (".badge.soon", "color"),
            background: (".badge.soon", "background")
        ),
        Pair(what: "overdue rows", foreground: ("body", "color"), background: ("tr.overdue td", "background")),
        Pair(what: "due-soon rows", foreground: ("body", "color"), background: ("tr.due-soon td", "background")),
        Pair(what: "notices", foreground: ("body", "color"), background: (".notice", "background")),
    ]

    @Test("text and its background reach 4.5:1", arguments: pairs)
    func contrastIsAA(_ pair: Pair) async throws {
        let sheet = try await Self.stylesheet()
        let foreground = try #require(Self.value(pair.foreground.property, of: pair.foreground.selector, in: sheet))
        let background = try #require(Self.value(pair.background.property, of: pair.background.selector, in: sheet))
        let ratio = Self.ratio(foreground, background)
        #expect(ratio >= 4.5, "\(pair.what): \(foreground) on \(background) is \(String(format: "%.2f", ratio)):1")
    }

    @Test("the contrast formula matches WCAG's own endpoints")
    func formula() {
        #expect(abs(Self.ratio("#000000", "#ffffff") - 21) < 0.01)
        #expect(abs(Self.ratio("#777777", "#ffffff") - 4.48) < 0.01)
    }
}

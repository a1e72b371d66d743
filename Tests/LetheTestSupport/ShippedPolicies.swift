import Foundation
import LetheCore

/// The policy files shipped in `Policies/` (a link to `Sources/LetheEngine/Policies`, which the binary
/// carries as resources), read once per test process.
public enum ShippedPolicies {
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/LetheEngine/Policies")

    /// Every policy file as a source, with paths relative to `Policies/`.
    public static func sources() throws -> [PolicySource] {
        let base = directory.standardizedFileURL.path + "/"
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var sources: [PolicySource] = []
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".yaml") else { continue }
            let text = try String(contentsOfFile: base + relative, encoding: .utf8)
            sources.append(
                PolicySource(relativePath: relative, displayPath: "Policies/" + relative, contents: text)
            )
        }
        return sources
    }

    public static func load() throws -> PolicySet { try PolicySet.load(sources()) }

    public static func engine() throws -> DeadlineEngine { DeadlineEngine(policies: try load()) }
}

extension Date {
    /// An instant from an ISO 8601 string; traps on a malformed literal, which only tests write.
    public static func iso(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { preconditionFailure("bad test instant \(text)") }
        return date
    }
}

extension LocalDate {
    /// A date from a literal the test author wrote; traps on a malformed one.
    public static func d(_ text: String) -> LocalDate {
        guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
        return date
    }
}

/// A fresh temporary folder, removed by the caller.
public func temporaryFolder(_ prefix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
}

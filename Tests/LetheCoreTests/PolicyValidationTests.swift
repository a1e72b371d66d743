import LetheCore
import LetheTestSupport
import Testing

@Suite("Policy loading and validation")
struct PolicyValidationTests {
    @Test("The shipped policies load, cover the required regimes and calendars, and every rule is cited")
    func shippedPoliciesAreValid() throws {
        let policies = try ShippedPolicies.load()
        let required = [
            "eu-gdpr", "uk-gdpr", "us-ca", "us-va", "us-co", "us-ct", "us-ut", "us-tx", "us-or", "br-lgpd",
            "ca-pipeda", "ch-fadp", "sg-pdpa", "us-can-spam",
            // The state laws in force by the end of 2026 (docs/deadlines.md).
            "us-mt", "us-ia", "us-de", "us-ne", "us-nh", "us-nj", "us-tn", "us-mn", "us-md", "us-in", "us-ky", "us-ri",
            // Outside the United States (docs/deadlines.md).
            "ca-qc", "jp-appi", "kr-pipa", "in-dpdp", "au-privacy", "za-popia", "cn-pipl",
        ]
        for id in required { #expect(policies.jurisdictions[id] != nil, "missing \(id)") }
        for id in [
            "england-wales", "ireland", "germany", "us-federal", "california", "quebec", "japan", "south-korea",
            "australia", "south-africa", "china", "india",
        ] {
            let calendar = try #require(policies.calendars[id])
            #expect(calendar.coveredYears.contains(2024) && calendar.coveredYears.contains(2030))
        }
        for jurisdiction in policies.jurisdictions.values {
            for rule in jurisdiction.rules.values {
                #expect(!rule.response.citation.isEmpty)
                if let ext = rule.extensionRule { #expect(!ext.citation.isEmpty) }
            }
        }
        let covered = Set(policies.retentionRules.map(\.category))
        #expect(covered == Set(DataCategory.allCases))
        #expect(policies.classification(record: "contact", field: "email")?.blindIndex == true)
        #expect(policies.classification(record: "payment-method", field: "card-number")?.sensitivity == .payment)
        // The controller is configured once, and the shipped file is not the placeholder.
        #expect(policies.controller != .unconfigured)
        #expect(policies.controller.email.contains("@"))
    }

    @Test("Known holidays are in the calendars")
    func holidaysPresent() throws {
        let policies = try ShippedPolicies.load()
        #expect(policies.calendars["england-wales"]?.holidays[.d("2026-12-28")] == "Boxing Day (observed)")
        #expect(policies.calendars["germany"]?.holidays[.d("2024-10-03")] != nil)
        #expect(policies.calendars["us-federal"]?.holidays[.d("2026-07-03")] != nil)
        #expect(policies.calendars["california"]?.holidays[.d("2026-03-31")] == "Cesar Chavez Day")
        #expect(policies.calendars["ireland"]?.holidays[.d("2026-02-02")] != nil)
    }

    /// Replaces `old` with `new` in one shipped file and returns the whole set, to break one thing at a time.
    func sources(editing path: String, _ old: String, _ new: String) throws -> [PolicySource] {
        var sources = try ShippedPolicies.sources()
        let index = try #require(sources.firstIndex { $0.relativePath == path })
        let original = sources[index]
        #expect(original.contents.contains(old), "fixture text not found in \(path)")
        sources[index] = PolicySource(
            relativePath: original.relativePath,
            displayPath: original.displayPath,
            contents: original.contents.replacingOccurrences(of: old, with: new)
        )
        return sources
    }

    static let breakages: [(String, String, String, String)] = [
        (
            "jurisdictions/uk-gdpr.yaml",
            "    roll: next-working-day\n    citation: \"UK GDPR Art 12(3) and Art 12A; ICO",
            "    rol: next-working-day\n    citation: \"UK GDPR Art 12(3) and Art 12A; ICO", "unknown key 'rol'"
        ),
        (
            "jurisdictions/us-ca.yaml",
            "    citation: \"11 CCR §7026(f)(1): stop selling or sharing no later than 15 business days from receipt\"\n",
            "", "missing 'citation' in deadline 'opt-out-of-sale'"
        ),
        (
            "jurisdictions/us-va.yaml", "internal-target: {days: 30}", "internal-target: {days: -30}",
            "must not be negative"
        ),
        ("jurisdictions/uk-gdpr.yaml", "calendar: england-wales", "calendar: england", "unknown calendar 'england'"),
        ("jurisdictions/uk-gdpr.yaml", "time-zone: Europe/London", "time-zone: Europe/Londres", "unknown time zone"),
        ("jurisdictions/uk-gdpr.yaml", "  access:\n", "  acess:\n", "unknown deadline kind 'acess'"),
        ("jurisdictions/uk-gdpr.yaml", "id: uk-gdpr", "id: gb-gdpr", "must match the file name"),
        ("calendars/ireland.yaml", "{date: 2026-03-17,", "{date: 2026-02-30,", "is not a date"),
        (
            "calendars/ireland.yaml", "covers: {from: 2024, to: 2030}", "covers: {from: 2024, to: 2025}",
            "outside the years"
        ),
        ("retention.yaml", "    action: erase\n", "    action: shred\n", "unknown action 'shred'"),
        (
            "classification.yaml", "category: identity, sensitivity: personal}",
            "category: identity, sensitivity: secret}", "unknown sensitivity"
        ),
        ("jurisdictions/eu-gdpr.yaml", "deadlines:\n", "deadlines: [\n", "not valid YAML"),
        ("controller.yaml", "email: \"privacy@lethe.invalid\"", "email: \"privacy team\"", "is not an email address"),
        (
            "controller.yaml", "privacy-center-url: \"http://127.0.0.1:8080/privacy\"",
            "privacy-center-url: \"/privacy\"",
            "must be an http(s) URL"
        ),
        ("jurisdictions/us-nj.yaml", "  date: 2025-01-15", "  date: 2025-01-32", "is not a date"),
        ("jurisdictions/us-nj.yaml", "effective-from:\n  date:", "effective-from:\n  day:", "unknown key 'day'"),
        // A signal nobody may be asked to verify needs an opt-out clock that asks for no verification.
        (
            "jurisdictions/us-ca.yaml",
            "opt-out-of-sale:\n    period: {business-days: 15}\n    citation: \"11 CCR §7026(f)(1): stop selling or sharing no later than 15 business days from receipt\"\n    verification: not-required",
            "opt-out-of-sale:\n    period: {business-days: 15}\n    citation: \"11 CCR §7026(f)(1): stop selling or sharing no later than 15 business days from receipt\"",
            "opt-out-signal needs an opt-out-of-sale deadline with verification: not-required"
        ),
        (
            "jurisdictions/us-ca.yaml", "  date: 2020-08-14", "  date: 2020-08-32",
            "opt-out-signal '2020-08-32' is not a date"
        ),
        (
            "classification.yaml", "field: items, category: orders, sensitivity: personal}",
            "field: items, category: orders, sensitivity: personal, disclosure: held-only}",
            "order.items cannot be held-only"
        ),
        (
            "classification.yaml", "field: kind, category: security-logs, sensitivity: non-personal}",
            "field: kind, category: security-logs, sensitivity: non-personal, sensitive: true}",
            "is non-personal: it cannot be sensitive or withheld"
        ),
        ("controller.yaml", "  postal-address:", "  address:", "unknown key 'address'"),
        (
            "controller.yaml", "time-zone: \"Europe/London\"", "time-zone: \"Europe/Londres\"",
            "is not an IANA time zone"
        ),
    ]

    @Test("Each broken policy is refused with its file, line and what is wrong", arguments: breakages)
    func brokenPolicies(path: String, old: String, new: String, message: String) throws {
        let sources = try sources(editing: path, old, new)
        do {
            _ = try PolicySet.load(sources)
            Issue.record("a broken \(path) was accepted")
        } catch {
            let issue = try #require(error.issues.first { $0.file == "Policies/" + path })
            #expect(issue.message.contains(message), "got: \(issue)")
            #expect(issue.line > 1 || message == "not valid YAML")
            #expect(issue.description.hasPrefix("Policies/\(path):\(issue.line):"))
        }
    }

    @Test("The line reported is the line of the mistake")
    func exactLine() throws {
        let sources = try sources(
            editing: "jurisdictions/uk-gdpr.yaml",
            "time-zone: Europe/London",
            "time-zone: Mars/Base"
        )
        let text = try #require(sources.first { $0.relativePath == "jurisdictions/uk-gdpr.yaml" }).contents
        let expectedLine =
            try #require(
                text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("time-zone:") }
            ) + 1
        #expect(throws: PolicyValidationError.self) { try PolicySet.load(sources) }
        do { _ = try PolicySet.load(sources) } catch {
            #expect(error.issues.map(\.line) == [expectedLine])
        }
    }

    @Test("A missing retention category and an unknown file are reported, not ignored")
    func crossFileChecks() throws {
        var sources = try ShippedPolicies.sources()
        sources.append(
            PolicySource(relativePath: "holidays.yaml", displayPath: "Policies/holidays.yaml", contents: "a: 1")
        )
        let retention = try #require(sources.firstIndex { $0.relativePath == "retention.yaml" })
        let original = sources[retention]
        let withoutSuppression = original.contents.components(separatedBy: "  - id: suppression-records")[0]
        sources[retention] = PolicySource(
            relativePath: original.relativePath,
            displayPath: original.displayPath,
            contents: withoutSuppression
        )
        do {
            _ = try PolicySet.load(sources)
            Issue.record("accepted")
        } catch {
            let messages = error.issues.map(\.message)
            #expect(messages.contains { $0.contains("no retention rule for category 'suppression'") })
            #expect(messages.contains { $0.contains("not a known policy file") })
        }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe policies`: inspect and validate the policy files.
struct PoliciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policies",
        abstract: "List and validate the policies (jurisdictions, calendars, retention, fields).",
        subcommands: [List.self, Check.self]
    )

    /// The policy-folder option shared by `list` and `check`, which read policies without opening the store.
    struct DirectoryOption: ParsableArguments {
        // `--dir` is the name this option had before every command took `--policies`.
        @Option(
            name: [.customLong("policies"), .customLong("dir")],
            help: "The policy folder (default: $LETHE_POLICIES, else the policies shipped with lethe)."
        )
        var policies: String?

        /// The folder to read: `--policies`, else `$LETHE_POLICIES`, else the policies shipped with lethe.
        var path: String { PolicyDirectory.resolve(policies, environment: ProcessInfo.processInfo.environment) }
    }

    /// `lethe policies list`: what the policies define, by id.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List jurisdictions with their deadline kinds, calendars, and retention rules by id."
        )

        @OptionGroup var directory: DirectoryOption
        @Flag(help: "Print one JSON object instead of text.") var json = false

        /// Prints the listing; invalid policies exit 1.
        func run() async throws { print(try render()) }

        /// The listing as text or JSON.
        func render() throws -> String {
            let policies = try PolicyLoading.load(at: directory.path)
            let listing = PolicyListing(policies)
            return json ? try JSONOutput.string(listing) : listing.text
        }
    }

    /// `lethe policies check`: validate every file; exit 1 naming file, line and problem.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the policy files; exit 1 with file, line and problem for each error."
        )

        @OptionGroup var directory: DirectoryOption

        /// Prints the summary when the policies are valid; otherwise exits 1 with every problem found.
        func run() async throws { print(try render()) }

        /// A one-line summary of a valid policy set (files, jurisdictions, calendars, rules, classified fields).
        func render() throws(CLIError) -> String {
            let sources = try PolicyLoading.sources(at: directory.path)
            do {
                let policies = try PolicySet.load(sources)
                return "policies OK: \(sources.count) files, \(policies.jurisdictions.count) jurisdictions, "
                    + "\(policies.calendars.count) calendars, \(policies.retentionRules.count) retention rules, "
                    + "\(policies.fields.count) classified fields"
            } catch {
                let count = error.issues.count
                throw .failed(error.description + "\n\(count) problem\(count == 1 ? "" : "s") in \(directory.path)")
            }
        }
    }
}

/// The summary `policies list` prints.
struct PolicyListing: Encodable {
    /// One jurisdiction: which deadline kinds it defines, and the calendar and time zone its dates use.
    struct JurisdictionEntry: Encodable {
        let id: String
        let name: String
        let calendar: String
        let timeZone: String
        let kinds: [String]
    }
    /// One holiday calendar and the years it covers; dates outside them cannot be computed.
    struct CalendarEntry: Encodable {
        let id: String
        let name: String
        let covers: String
        let holidays: Int
    }
    /// One retention rule: the category it governs, its period and what happens when it ends.
    struct RetentionEntry: Encodable {
        let id: String
        let category: String
        let period: String
        let action: String
    }

    /// The jurisdictions, in the policy set's order.
    let jurisdictions: [JurisdictionEntry]
    /// The holiday calendars, by id.
    let calendars: [CalendarEntry]
    /// The retention rules, in file order.
    let retention: [RetentionEntry]

    /// Summarises a loaded policy set.
    init(_ policies: PolicySet) {
        jurisdictions = policies.sortedJurisdictions.map { jurisdiction in
            JurisdictionEntry(
                id: jurisdiction.id,
                name: jurisdiction.name,
                calendar: jurisdiction.calendarID,
                timeZone: jurisdiction.timeZoneIdentifier,
                kinds: DeadlineKind.allCases.filter { jurisdiction.rules[$0] != nil }.map(\.rawValue)
            )
        }
        calendars = policies.calendars.values.sorted { $0.id < $1.id }.map {
            CalendarEntry(
                id: $0.id,
                name: $0.name,
                covers: "\($0.coveredYears.lowerBound)-\($0.coveredYears.upperBound)",
                holidays: $0.holidays.count
            )
        }
        retention = policies.retentionRules.map {
            RetentionEntry(
                id: $0.id,
                category: $0.category.rawValue,
                period: $0.period.description,
                action: $0.action.rawValue
            )
        }
    }

    /// The listing as aligned text for the terminal.
    var text: String {
        var lines = ["Jurisdictions:"]
        for j in jurisdictions {
            lines.append("  \(j.id.padded(14)) \(j.name)")
            lines.append("  \("".padded(14)) calendar \(j.calendar), time zone \(j.timeZone)")
            lines.append("  \("".padded(14)) kinds: \(j.kinds.joined(separator: ", "))")
        }
        lines.append("Calendars:")
        for c in calendars {
            lines.append("  \(c.id.padded(14)) \(c.name) (\(c.covers), \(c.holidays) holidays)")
        }
        lines.append("Retention rules:")
        for r in retention {
            lines.append("  \(r.id.padded(32)) \(r.category.padded(16)) \(r.period.padded(18)) \(r.action)")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters, for aligned columns.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe deadline`: the statutory clocks of one request, with the rule and citation behind each date.
struct DeadlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadline",
        abstract: "Compute acknowledgement, response, extended and internal-target dates for a request."
    )

    @Option(help: "Jurisdiction id, e.g. uk-gdpr, eu-gdpr, us-ca (see 'lethe policies list').")
    var jurisdiction: String

    @Option(help: "Deadline kind.")
    var kind: DeadlineKind

    @Option(help: "When the request reached any channel: ISO 8601 instant or date.")
    var received: String

    @Option(help: "Holiday calendar to use instead of the jurisdiction's default (e.g. ireland).")
    var calendar: String?

    @Option(name: .customLong("time-zone"), help: "Controller time zone instead of the jurisdiction's (IANA name).")
    var timeZone: String?

    @Option(name: .customLong("extension-notice"), help: "When the extension notice was sent (ISO 8601).")
    var extensionNotice: String?

    @Option(help: "The reason given in the extension notice.")
    var reason: String?

    @Option(help: "A period the clock stood still, FROM..TO inclusive (repeatable).")
    var paused: [String] = []

    @Option(name: .customLong("pause-reason"), help: "Why the clock stopped: clarification, identity or fee.")
    var pauseReason: PauseReason = .clarification

    // `--dir` is the name this option had before every command took `--policies`.
    @Option(
        name: [.customLong("policies"), .customLong("dir")],
        help: "The policy folder (default: $LETHE_POLICIES, else the policies shipped with lethe)."
    )
    var policies: String?

    @Flag(help: "Print one JSON object with ISO dates instead of text.")
    var json = false

    /// Prints the schedule; bad input (an unknown jurisdiction, a malformed date, a notice without a reason)
    /// exits 2, invalid policies exit 1.
    func run() async throws { print(try render()) }

    /// The schedule as text or JSON, computed by the same `DeadlineEngine` the service uses, so an
    /// officer can check a date before committing to it.
    func render() throws -> String {
        let policies = try PolicyLoading.load(
            at: PolicyDirectory.resolve(self.policies, environment: ProcessInfo.processInfo.environment)
        )
        let reasonForPause = pauseReason
        // Bare dates are read in the zone the computation will use, so they name that local day.
        let zoneID = timeZone ?? policies.jurisdictions[jurisdiction]?.timeZoneIdentifier ?? "UTC"
        guard let zone = TimeZone(identifier: zoneID) else {
            throw CLIError.badInput(DeadlineError.unknownTimeZone(zoneID).description)
        }
        let notice: ExtensionNotice?
        switch (extensionNotice, reason) {
        case (nil, nil): notice = nil
        case (nil, .some): throw CLIError.badInput("--reason needs --extension-notice")
        case (.some, nil):
            throw CLIError.badInput("--extension-notice needs --reason (the customer is owed the reason)")
        case (.some(let sent), .some(let why)):
            notice = ExtensionNotice(
                sentAt: try InstantParsing.instant(sent, option: "--extension-notice", zone: zone),
                reason: why
            )
        }
        let query = DeadlineQuery(
            jurisdictionID: jurisdiction,
            kind: kind,
            receivedAt: try InstantParsing.instant(received, option: "--received", zone: zone),
            calendarID: calendar,
            timeZoneIdentifier: timeZone,
            extensionNotice: notice,
            pauses: try paused.map { text throws(CLIError) in try InstantParsing.pause(text, reason: reasonForPause) }
        )
        let schedule: DeadlineSchedule
        do {
            schedule = try DeadlineEngine(policies: policies).schedule(query)
        } catch {
            throw CLIError.badInput(error.description)
        }
        return json ? try JSONOutput.string(schedule) : Self.text(schedule)
    }

    /// One labelled line per date, each with its period, citation and any roll off a non-working day.
    static func text(_ s: DeadlineSchedule) -> String {
        func line(_ label: String, _ value: String) -> String { "\(label.padded(17))\(value)" }
        func describe(_ d: Deadline) -> String {
            var text = "\(d.due)  (\(d.period)"
            if d.unrolled != d.due { text += "; \(d.unrolled) is not a working day" }
            text += ") \(d.citation)"
            if let convention = d.convention { text += " [convention: \(convention)]" }
            return text
        }
        var lines = [
            line("Jurisdiction", "\(s.jurisdiction): \(s.jurisdictionName)"),
            line("Kind", s.kind.rawValue),
            line("Received", "\(InstantParsing.iso(s.receivedAt)), day of receipt \(s.receiptDate) in \(s.timeZone)"),
            line("Calendar", s.calendar),
        ]
        if let ack = s.acknowledgement { lines.append(line("Acknowledge by", describe(ack))) }
        lines.append(line("Respond by", describe(s.response)))
        if let extended = s.extended {
            lines.append(line("Extended to", describe(extended)))
            if let reason = s.extensionReason { lines.append(line("Extension reason", reason)) }
        }
        lines.append(line("Internal target", "\(s.internalTarget)"))
        if s.pausedDays > 0 { lines.append(line("Clock stopped", "\(s.pausedDays) days, added before the roll")) }
        lines.append(line("Verification", s.verification.rawValue))
        return lines.joined(separator: "\n")
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe requests`: the privacy-request queue.
struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "Submit, verify and work privacy requests; list the queue by due date; show a timeline.",
        subcommands: [
            Submit.self, List.self, Show.self, Verify.self, AgentPermission.self, Approve.self, Complete.self,
            Deny.self, Extend.self, Pause.self, Resume.self, Cancel.self, Assign.self, Settle.self, Watch.self,
        ]
    )

    /// Runs a request action, turning its refusal into a one-line error, then delivers queued notices.
    static func act(_ runtime: Runtime, _ body: (RequestService) async throws -> Void) async throws {
        do {
            try await body(runtime.requests())
        } catch let error as RequestError {
            throw CLIError.badInput(error.description)
        } catch let error as StoreError {
            throw CLIError.badInput(error.description)
        } catch let error as AccountError {
            throw CLIError.badInput(error.description)
        }
        // The transaction committed first; delivery follows (at least once).
        _ = try await runtime.dispatcher().dispatch()
    }

    /// The arguments every officer action shares: which request, and which officer acts on it.
    struct Target: ParsableArguments {
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The request id, e.g. R-20260903-AB12CD34.") var id: String
        @Option(help: "Staff id of the officer (default: $LETHE_AGENT).") var agent: String?

        /// The request id as typed; an unknown id is refused by the action itself.
        var requestID: RequestID { RequestID(id) }
        /// The officer's staff id, as recorded in the request's timeline and the audit trail.
        var officer: String { AccountsCommand.agent(agent) }
    }

    /// `lethe requests submit`: enters a request received by phone, post, email or an agent, starting its
    /// statutory clock from the time of receipt.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a request durably, then print its id and deadlines."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "What the customer asks for.") var kind: RequestKind
        @Option(help: "A finer statutory clock, e.g. portability, opt-out-of-sale.") var deadlineKind: DeadlineKind?
        @Option(help: "The customer's account id.") var account: String?
        @Option(help: "The requester's email (finds the account when no id is given).") var email: String?
        @Option(help: "How the request arrived.") var channel: RequestChannel = .agent
        @Option(help: "Jurisdiction id (default: the account's residence).") var jurisdiction: String?
        @Option(help: "When it was received, ISO 8601 (default: now).") var received: String?
        @Option(help: "Idempotency key: the same key twice gives the same request.") var idempotencyKey: String?
        @Option(help: "The authorized agent's id, for --channel authorized-agent.") var authorizedAgent: String?
        @Option(help: "A consent purpose to withdraw (repeatable), for --kind consent-change.") var withdraw: [String] =
            []
        @Option(help: "A consent purpose to give (repeatable), for --kind consent-change.") var give: [String] = []
        @OptionGroup(title: "Correction") var correction: CorrectionOptions
        @OptionGroup(title: "Appeal") var appeal: AppealOptions
        @Option(help: "Staff id of the agent entering it (default: $LETHE_AGENT).") var agent: String?
        @Flag(help: "Print JSON.") var json = false

        /// Submits the request and prints whether it was created, repeated or linked, with its deadlines (or
        /// `--json`); a refused submission exits 2.
        func validate() throws {
            let both = Set(withdraw).intersection(give)
            guard both.isEmpty else {
                throw ValidationError(
                    "a purpose cannot be both withdrawn and given: \(both.sorted().joined(separator: ", "))"
                )
            }
            guard (kind == .correction) == (correction.correct != nil) else {
                throw ValidationError("--correct (with --to) is required for --kind correction, and only for it")
            }
            guard (kind == .appeal) == (appeal.appealOf != nil) else {
                throw ValidationError("--appeal-of is required for --kind appeal, and only for it")
            }
        }

        func run() async throws {
            let utc = TimeZone(identifier: "UTC") ?? .current
            let submission = RequestSubmission(
                kind: kind,
                deadlineKind: deadlineKind,
                accountID: try account.map(AccountsCommand.parseID),
                email: email,
                channel: channel,
                receivedAt: try received.map { try InstantParsing.instant($0, option: "--received", zone: utc) },
                jurisdiction: jurisdiction,
                idempotencyKey: idempotencyKey,
                agentID: authorizedAgent,
                consentChanges: Dictionary(withdraw.map { ($0, false) } + give.map { ($0, true) }) { first, _ in first
                },
                correction: try correction.correction(),
                appealOf: appeal.request,
                grounds: appeal.grounds,
                submittedBy: .staff(AccountsCommand.agent(agent))
            )
            let runtime = try await self.runtime.open()
            var receipt: IntakeReceipt?
            try await RequestsCommand.act(runtime) { receipt = try await $0.submit(submission) }
            guard let receipt else { return }
            if json {
                struct Output: Encodable {
                    let id: String
                    let outcome: String
                    let status: String
                    let schedule: DeadlineSchedule
                }
                let outcome: String
                switch receipt.outcome {
                case .created: outcome = "created"
                case .repeated: outcome = "repeated"
                case .linked: outcome = "linked"
                }
                print(
                    try JSONOutput.string(
                        Output(
                            id: receipt.outcome.requestID.rawValue,
                            outcome: outcome,
                            status: receipt.status.rawValue,
                            schedule: receipt.schedule
                        )
                    )
                )
                return
            }
            switch receipt.outcome {
            case .created(let id): print("request \(id) received (\(receipt.status.rawValue))")
            case .repeated(let id):
                print("request \(id) already received under this idempotency key (\(receipt.status.rawValue))")
            case .linked(let id):
                print("linked to the open request \(id) of the same kind (\(receipt.status.rawValue))")
            }
            print(DeadlineCommand.text(receipt.schedule))
        }
    }

    /// `lethe requests list`: the officers' queue, by due date, flagging what is overdue or due soon.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The queue, most urgent first, with due-soon and overdue marked."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Only this status.") var status: RequestStatus?
        @Option(help: "Only this kind.") var kind: RequestKind?
        @Option(help: "Only this jurisdiction.") var jurisdiction: String?
        @Option(help: "Only this assignee.") var assignee: String?
        @Flag(help: "Include finished requests.") var all = false
        @Option(help: "At most this many.") var limit: Int = 50

        /// Prints one request per line: due date, flag, id, kind, status, jurisdiction, customer and assignee.
        func run() async throws {
            var query = RequestQuery(limit: limit)
            if let status {
                query.statuses = [status]
            } else if !all {
                query.statuses = RequestQuery.open
            }
            query.kind = kind
            query.jurisdiction = jurisdiction
            query.assignee = assignee
            let runtime = try await self.runtime.open()
            let rows = try await runtime.requests().list(query)
            let today = LocalDate(instant: runtime.clock.now(), in: TimeZone(identifier: "UTC") ?? .current)
            for row in rows {
                let labels: [Urgency: String] = [.overdue: "OVERDUE", .dueSoon: "due soon"]
                let flag = labels[Urgency(status: row.status, due: row.due, today: today)] ?? ""
                print(
                    "\(row.due)  \(flag.padded(8))  \(row.id.rawValue.padded(20)) \(row.kind.rawValue.padded(14)) "
                        + "\(row.status.rawValue.padded(21)) \(row.jurisdiction.padded(11)) \(row.accountID?.description ?? "unknown".padded(8)) "
                        + "\(row.assignee ?? "-")"
                )
            }
            if rows.isEmpty { print("no requests match") }
        }
    }

    /// `lethe requests show`: everything an officer or auditor needs about one request: deadlines with
    /// citations, clock stops, the timeline of moves and reasons, deadline changes and alerts.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A request's deadlines (with citations), timeline and alerts."
        )
        @OptionGroup var target: Target

        /// Prints the request's dossier; an unknown id exits 2.
        func run() async throws {
            let runtime = try await target.runtime.open()
            let dossier: RequestDossier
            do { dossier = try await runtime.requests().dossier(target.requestID) } catch let error as RequestError {
                throw CLIError.badInput(error.description)
            }
            let stored = dossier.stored
            let request = stored.request
            print("Request          \(request.id) (\(request.kind.rawValue), \(request.deadlineKind.rawValue))")
            print("Status           \(request.status.rawValue)")
            print("Customer         \(request.accountID?.description ?? "not matched to an account")")
            print("Channel          \(stored.channel.rawValue)\(stored.agentID.map { " via agent \($0)" } ?? "")")
            print("Assignee         \(stored.assignee ?? "-")")
            if stored.linkedSubmissions > 0 {
                print("Linked           \(stored.linkedSubmissions) later submission(s) of the same kind")
            }
            if let appealed = stored.appealOf { print("Appeal of        \(appealed)") }
            if let grounds = stored.grounds { print("Grounds          \(grounds)") }
            if let appeal = dossier.appeal { print("Appealed by      \(appeal)") }
            if let correction = stored.correction {
                print("Correction       \(correction.field.rawValue) to read: \(correction.shownValue)")
                if let statement = correction.statement { print("Statement        \(statement)") }
            }
            print(DeadlineCommand.text(stored.schedule))
            print("Acknowledgement  \(Self.text(dossier.acknowledgement))")
            if !stored.pauses.isEmpty {
                for pause in stored.pauses {
                    print(
                        "Clock stopped    \(pause.from)..\(pause.to?.description ?? "(still stopped)") for \(pause.reason.rawValue)"
                    )
                }
            }
            print("Timeline:")
            print("  \(InstantParsing.iso(request.receivedAt))  received")
            for event in request.events {
                let basis = event.denialReason.map { " [\($0.rawValue)]" } ?? ""
                print(
                    "  \(InstantParsing.iso(event.at))  \(event.from.rawValue) -> \(event.to.rawValue)  by \(event.actor)\(basis)  \(event.reason ?? "")"
                )
            }
            print("Deadline history:")
            for change in dossier.history {
                print(
                    "  \(InstantParsing.iso(change.at))  respond by \(change.extendedDue ?? change.responseDue)  (\(change.cause))"
                )
            }
            for alert in dossier.alerts {
                print("Alert            \(alert.threshold) to \(alert.level) at \(InstantParsing.iso(alert.at))")
            }
        }

        /// Whether the customer was told the request arrived, in a few words.
        static func text(_ status: AcknowledgementStatus) -> String {
            switch status {
            case .sent(let at): return "sent \(InstantParsing.iso(at))"
            case .waiting(let attempts):
                return attempts == 0 ? "queued, not sent yet" : "not sent yet (\(attempts) failed attempts)"
            case .failed: return "could not be delivered (see lethe outbox failed)"
            case .notQueued: return "none sent (no address to send it to)"
            }
        }
    }

    /// `lethe requests verify`: confirms who is asking, before any data is released or erased.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Verify identity: by the code the customer received, or by an agent's check (answer, or date of birth and postcode)."
        )
        @OptionGroup var target: Target
        @Option(help: "The six-digit code from the customer's email.") var code: String?
        @Option(help: "The customer's security answer.") var answer: String?
        @Option(help: "Date of birth, YYYY-MM-DD, with --postcode.") var dateOfBirth: String?
        @Option(help: "Postcode of an address on file, with --date-of-birth.") var postcode: String?
        @Flag(help: "Send a new code instead.") var resend = false

        /// Verifies by the proof given (or, with `--resend`, sends a new code); a wrong, expired or locked code,
        /// or evidence that does not match, exits 2.
        func run() async throws {
            let runtime = try await target.runtime.open()
            let id = target.requestID
            let officer = target.officer
            try await RequestsCommand.act(runtime) { requests in
                if resend {
                    try await requests.resendCode(id)
                    print("a new code was sent")
                    return
                }
                let proof: IdentityProof
                if let code {
                    proof = .code(code)
                } else if let answer {
                    proof = .securityAnswer(answer)
                } else if let dateOfBirth, let postcode, let dob = LocalDate(dateOfBirth) {
                    proof = .dateOfBirthAndPostcode(dob, postcode: postcode)
                } else {
                    throw CLIError.badInput("give --code, --answer, or --date-of-birth with --postcode")
                }
                try await requests.verify(id, proof: proof, by: officer)
                print("verified by \(proof.methodName)")
            }
        }
    }

    /// `lethe requests agent-permission`: records the written permission an authorized agent showed.
    struct AgentPermission: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent-permission",
            abstract: "Record an authorized agent's proof of permission (verified once the customer also confirms)."
        )
        /// Records the proof and prints the request's status (verified once the customer has also confirmed).
        @OptionGroup var target: Target
        @Option(help: "What proves the permission, e.g. the reference of the signed authorisation.") var proof: String
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) {
                try await $0.recordAgentPermission(target.requestID, proof: proof, by: target.officer)
            }
            let status = try await runtime.requests().request(target.requestID)?.request.status.rawValue ?? "?"
            print("permission recorded for \(target.requestID) (\(status))")
        }
    }

    /// `lethe requests approve`: starts the work on a verified request.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start work on a verified request (queues its processing job)."
        )
        /// Moves the request to in progress and queues its processing job; a request not yet verified exits 2.
        @OptionGroup var target: Target
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) { try await $0.approve(target.requestID, by: target.officer) }
            print("\(target.requestID) is in progress")
        }
    }

    /// `lethe requests complete`: closes a request fulfilled by hand, with a summary the customer receives.
    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a request was fulfilled and tell the customer."
        )
        /// Completes the request and delivers the customer's notice.
        @OptionGroup var target: Target
        @Option(help: "What was done, for the customer.") var summary: String
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) {
                try await $0.complete(target.requestID, by: .staff(target.officer), summary: summary)
            }
            print("\(target.requestID) completed")
        }
    }

    /// `lethe requests deny`: refuses a request; the basis is kept for the record and the reports.
    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Refuse a request with its legal basis and the reason; the customer is told of their right to complain."
        )
        /// Denies the request and delivers the notice with the reason and the right to complain.
        @OptionGroup var target: Target
        @Option(help: "The legal basis of the refusal.") var basis: DenialReason
        @Option(help: "The reason, as the customer will read it.") var reason: String
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) {
                try await $0.deny(target.requestID, basis: basis, reason: reason, by: .staff(target.officer))
            }
            print("\(target.requestID) denied")
        }
    }

    /// `lethe requests extend`: takes the extra time the law allows, once, telling the customer why.
    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extend the response period with a notice and reason (only inside the first period)."
        )
        /// Extends the deadline and delivers the notice; an extension the law does not allow now exits 2.
        @OptionGroup var target: Target
        @Option(help: "Why more time is needed, as the customer will read it.") var reason: String
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) {
                try await $0.extend(target.requestID, reason: reason, by: target.officer)
            }
            print("\(target.requestID) extended; the customer is notified")
        }
    }

    /// `lethe requests pause`: stops the statutory clock while waiting for the customer, where the law lets it.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the clock where the law allows (clarification, identity, fee)."
        )
        /// Stops the clock from today; a clock already stopped, or a pause the jurisdiction does not allow, exits 2.
        @OptionGroup var target: Target
        @Option(help: "Why the clock stops.") var reason: PauseReason = .clarification
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) {
                try await $0.pause(target.requestID, reason: reason, by: target.officer)
            }
            print("clock stopped for \(target.requestID)")
        }
    }

    /// `lethe requests resume`: restarts a stopped clock.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart the clock; deadlines move by the paused days."
        )
        /// Restarts the clock and moves every deadline by the days it stood still.
        @OptionGroup var target: Target
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) { try await $0.resume(target.requestID, by: target.officer) }
            print("clock restarted for \(target.requestID)")
        }
    }

    /// `lethe requests cancel`: withdraws a request the customer no longer wants; a deletion still in its
    /// grace period is called off and the account restored.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a request (at the customer's wish).")
        /// Cancels the request, recorded under the officer with the reason.
        @OptionGroup var target: Target
        @Option(help: "Why.") var reason: String
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) {
                try await $0.cancel(target.requestID, reason: reason, by: .staff(target.officer))
            }
            print("\(target.requestID) cancelled")
        }
    }

    /// `lethe requests assign`: makes an officer answerable for a request.
    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign a request to an officer.")
        /// Sets the assignee (audited under the officer who assigns it).
        @OptionGroup var target: Target
        @Option(help: "The officer's staff id.") var to: String
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) { try await $0.assign(target.requestID, to: to, by: target.officer) }
            print("\(target.requestID) assigned to \(to)")
        }
    }

    /// `lethe requests settle`: closes a recipient's part of a deletion or opt-out by hand, so the request
    /// can complete when the recipient's webhook cannot.
    struct Settle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Record that a recipient was informed by hand, or that informing it is impossible (with the reasons)."
        )
        @OptionGroup var target: Target
        @Option(help: "The recipient id.") var recipient: String
        @Option(help: "manual or impossible.") var status: RecipientStatus
        @Option(help: "What was done, or the detailed reason it cannot be.") var note: String

        /// Refuses any status but `manual` or `impossible`: acknowledgements come only from the recipient.
        func validate() throws {
            guard status == .manual || status == .impossible else {
                throw ValidationError("--status must be manual or impossible")
            }
        }

        /// Settles the recipient and completes the request if it was the last one; a recipient not pending exits 2.
        func run() async throws {
            let runtime = try await target.runtime.open()
            try await RequestsCommand.act(runtime) { _ in
                guard
                    try await runtime.deletions()
                        .settleByOfficer(target.requestID, recipient: recipient, status: status, note: note)
                else { throw CLIError.badInput("\(recipient) is not pending for \(target.requestID)") }
            }
            print("\(recipient) settled as \(status.rawValue) for \(target.requestID)")
        }
    }

    /// `lethe requests watch`: one pass of the deadline watch, for cron when no worker runs.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "One pass of the deadline watch: due-soon and overdue alerts, denial of requests not verified in time."
        )
        /// Raises the alerts that are due and denies unverified requests past their window; prints the counts.
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            let runtime = try await self.runtime.open()
            var report = WatchReport()
            try await RequestsCommand.act(runtime) { report = try await $0.watch() }
            print(
                "raised \(report.alertsRaised) alerts; \(report.overdue.count) overdue; "
                    + "\(report.deniedUnverifiable.count) denied as unverifiable"
            )
        }
    }
}

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe jobs run`: one pass over due jobs (the long-running worker arrives with the retention scheduler).
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Run due processing jobs (deletions, deactivations), deliver their notices, requeue dead ones.",
        subcommands: [Run.self, Status.self, Dead.self, Requeue.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every job that is due now, once.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Worker name recorded on leases.") var worker: String =
            "cli-\(ProcessInfo.processInfo.processIdentifier)"

        @Option(help: "Run as if it were this instant (ISO 8601), for drills and tests.") var asOf: String?

        func run() async throws {
            let utc = TimeZone(identifier: "UTC") ?? .current
            let clock: any WallClock =
                try asOf.map { FixedWallClock(try InstantParsing.instant($0, option: "--as-of", zone: utc)) }
                ?? SystemWallClock()
            let runtime = try await self.runtime.open(clock: clock)
            var total = JobRunReport()
            while true {
                let report = try await runtime.jobRunner(worker: worker).runOnce(limit: 50)
                total.completed += report.completed
                total.retried += report.retried
                total.dead += report.dead
                if report == JobRunReport() { break }
            }
            let delivered = try await runtime.dispatcher().dispatch(limit: 1000)
            print(
                "jobs: \(total.completed) done, \(total.retried) to retry, \(total.dead) dead; notices delivered: \(delivered.delivered)"
            )
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many jobs are ready, leased, done and dead.")
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            let counts = try await self.runtime.open().administration.jobCounts()
            print(JobStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        }
    }

    /// `lethe jobs dead`: the jobs that gave up, with why.
    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs that gave up after their last attempt.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "At most this many.") var limit: Int = 100

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
        }

        func run() async throws {
            let dead = try await self.runtime.open().administration.deadJobs(limit: limit)
            if dead.isEmpty { print("no dead jobs") }
            for job in dead {
                print(
                    "J-\(job.id)  \(job.kind)  \(job.requestID?.rawValue ?? "-")  \(job.attempts) attempts  "
                        + (job.deadSince.map(InstantParsing.iso) ?? "-") + "  \(job.lastError ?? "")"
                )
            }
        }
    }

    /// `lethe jobs requeue`: a dead job back in the queue with fresh attempts, audited.
    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead job back in the queue with fresh attempts (recorded in the audit trail)."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The job, as 'lethe jobs dead' lists it (J-42 or 42).") var job: String
        @Option(help: "Why it can run now (e.g. the recipient is back up).") var reason: String
        @Option(help: "Staff id recorded in the audit trail (default: $LETHE_AGENT).") var agent: String?

        var jobID: Int64? { Int64(job.hasPrefix("J-") ? String(job.dropFirst(2)) : job) }

        func validate() throws {
            guard jobID != nil else { throw ValidationError("'\(job)' is not a job id (e.g. J-42)") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why the job can run now")
            }
        }

        func run() async throws {
            let runtime = try await self.runtime.open()
            guard let id = jobID,
                try await runtime.administration.requeueDeadJob(id, reason: reason, by: AccountsCommand.agent(agent))
            else { throw CLIError.badInput("J-\(jobID ?? 0) is not a dead job") }
            print("J-\(id) is back in the queue")
        }
    }
}

/// `lethe holds`: legal holds.
struct HoldsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holds",
        abstract: "Place, list and release legal holds (they stop erasure of what they cover).",
        subcommands: [Add.self, List.self, Release.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place a hold on an account (all categories unless --category is given)."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The account id.") var account: String
        @Option(help: "Why (e.g. the case), shown to whoever meets the hold.") var reason: String
        @Option(help: "A data category to hold (repeatable); none means everything.") var category: [String] = []
        @Option(help: "Staff id of the owner (default: $LETHE_AGENT).") var agent: String?

        func run() async throws {
            let id = try AccountsCommand.parseID(account)
            var categories = Set<DataCategory>()
            for name in category {
                guard let parsed = DataCategory(rawValue: name) else {
                    throw CLIError.badInput(
                        "unknown category '\(name)' (\(DataCategory.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                categories.insert(parsed)
            }
            let runtime = try await self.runtime.open()
            let hold = try await AccountsCommand.run {
                try await runtime.holds().place(
                    id,
                    categories: categories,
                    reason: reason,
                    owner: "staff:\(AccountsCommand.agent(agent))"
                )
            }
            print("placed \(hold.id) on \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Holds in force (or all with --all).")
        @OptionGroup var runtime: RuntimeOptions
        @Flag(help: "Include released holds.") var all = false
        func run() async throws {
            let holds = try await self.runtime.open().evidence.holds(includeReleased: all)
            for hold in holds {
                let scope =
                    hold.categories.isEmpty
                    ? "everything" : hold.categories.map(\.rawValue).sorted().joined(separator: ",")
                let state = hold.releasedAt.map { "released \(InstantParsing.iso($0))" } ?? "in force"
                print("\(hold.id)  \(hold.accountID)  \(scope)  \(hold.owner)  \(state)  \(hold.reason)")
            }
            if holds.isEmpty { print("no holds") }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a hold; erasures it blocked are rescheduled."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The hold id.") var id: String
        @Option(help: "Staff id (default: $LETHE_AGENT).") var agent: String?
        func run() async throws {
            let runtime = try await self.runtime.open()
            guard
                try await runtime.holds().release(
                    id,
                    by: "staff:\(AccountsCommand.agent(agent))"
                )
            else { throw CLIError.badInput("no hold \(id) in force") }
            print("released \(id)")
        }
    }
}

/// `lethe recipients`: processors and third parties that receive customers' data.
struct RecipientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipients",
        abstract: "Register the processors and third parties that deletions and opt-outs are passed on to.",
        subcommands: [Add.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a recipient; its signing secret is read from standard input."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "A short id, e.g. acme-mail.") var id: String
        @Option(help: "Its name, as the customer will read it.") var name: String
        @Option(help: "A data category it receives (repeatable).") var category: [String] = []
        @Option(help: "Its webhook URL (HTTPS in production).") var url: String

        func run() async throws {
            var categories = Set<DataCategory>()
            for name in category {
                guard let parsed = DataCategory(rawValue: name) else {
                    throw CLIError.badInput("unknown category '\(name)'")
                }
                categories.insert(parsed)
            }
            guard !categories.isEmpty else { throw CLIError.badInput("name at least one --category it receives") }
            guard let secret = readLine(strippingNewline: true), secret.count >= 16 else {
                throw CLIError.badInput("give the signing secret (16 characters or more) on standard input")
            }
            let runtime = try await self.runtime.open()
            do {
                try await runtime.administration.addRecipient(
                    Recipient(id: id, name: name, categories: categories, webhookURL: url, active: true),
                    secret: secret,
                    by: AccountsCommand.agent(nil)
                )
            } catch let error as AdministrationError {
                throw CLIError.badInput(error.description)
            }
            print("registered \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Registered recipients.")
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            let recipients = try await self.runtime.open().administration.recipients()
            for r in recipients {
                print(
                    "\(r.id)  \(r.name)  [\(r.categories.map(\.rawValue).sorted().joined(separator: ","))]  \(r.webhookURL)\(r.active ? "" : "  (inactive)")"
                )
            }
            if recipients.isEmpty { print("no recipients") }
        }
    }
}

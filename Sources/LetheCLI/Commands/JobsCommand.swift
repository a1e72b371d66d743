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

import ArgumentParser
import Foundation
import LetheCore
import LetheEngine

/// `lethe jobs`: the durable job queue by hand: run due jobs once, count them, list and requeue dead ones
/// (`lethe worker` runs the queue continuously).
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Run due processing jobs (deletions, deactivations), deliver their notices, requeue dead ones.",
        subcommands: [Run.self, Status.self, Dead.self, Requeue.self]
    )

    /// `lethe jobs run`: works through the due jobs once and delivers the notices they queued; `--as-of`
    /// runs a drill at another instant.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every job that is due now, once.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Worker name recorded on leases.") var worker: String =
            "cli-\(ProcessInfo.processInfo.processIdentifier)"

        @Option(help: "Run as if it were this instant (ISO 8601), for drills and tests.") var asOf: String?

        /// Runs passes of up to 50 jobs until one finds nothing to do, then delivers up to 1,000 notices.
        func run() async throws {
            let utc = TimeZone(identifier: "UTC") ?? .current
            let clock: any WallClock =
                try asOf.map { FixedWallClock(try InstantParsing.instant($0, option: "--as-of", zone: utc)) }
                ?? SystemWallClock()
            let runtime = try await self.runtime.open(clock: clock)
            let total = try await runtime.jobRunner(worker: worker).runUntilIdle(batch: 50, maxPasses: .max)
            let delivered = try await runtime.dispatcher().dispatch(limit: 1000)
            print(
                "jobs: \(total.completed) done, \(total.retried) to retry, \(total.dead) dead; notices delivered: \(delivered.delivered)"
            )
        }
    }

    /// `lethe jobs status`: how many jobs are in each state, to spot a stuck or failing queue.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many jobs are ready, leased, done and dead.")
        /// Prints the count per job status on one line.
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

        /// Refuses a limit outside 1–10,000.
        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
        }

        /// Prints each dead job with its kind, request, attempts, when it died and its last error.
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

        /// The job's row id, from `J-42` or `42`; nil when it is neither.
        var jobID: Int64? { Int64(job.hasPrefix("J-") ? String(job.dropFirst(2)) : job) }

        /// Refuses a malformed job id or an empty reason before anything is opened.
        func validate() throws {
            guard jobID != nil else { throw ValidationError("'\(job)' is not a job id (e.g. J-42)") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why the job can run now")
            }
        }

        /// Requeues the job (audited with the reason); a job that is not dead exits 2.
        func run() async throws {
            let runtime = try await self.runtime.open()
            guard let id = jobID,
                try await runtime.administration.requeueDeadJob(id, reason: reason, by: AccountsCommand.agent(agent))
            else { throw CLIError.badInput("J-\(jobID ?? 0) is not a dead job") }
            print("J-\(id) is back in the queue")
        }
    }
}

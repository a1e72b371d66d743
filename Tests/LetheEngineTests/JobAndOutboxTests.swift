import Foundation
import LetheCore
import LetheCrypto
import LetheEngine
import LetheStore
import LetheTestSupport
import Testing

/// An idempotent side effect: applying the same job twice leaves one record.
actor EffectLedger {
    private(set) var applied: [Int64: Int] = [:]
    private(set) var calls = 0
    func apply(_ job: Int64) {
        calls += 1
        applied[job] = 1
    }
}

struct RecordingHandler: JobHandler {
    let ledger: EffectLedger
    func run(_ job: Job, lease: LeasedJob) async throws { await ledger.apply(lease.id) }
}

struct FailingHandler: JobHandler {
    func run(_ job: Job, lease: LeasedJob) async throws { throw JobFailure(message: "downstream unavailable") }
}

/// A library error that quotes what it was given, as drivers and parsers do.
struct QuotingError: Error, CustomStringConvertible {
    var description: String { "could not parse 'wren.tallowmere@example.org' for Wren Tallowmere" }
}

struct QuotingHandler: JobHandler {
    func run(_ job: Job, lease: LeasedJob) async throws { throw QuotingError() }
}

@Suite("Durable jobs and the outbox")
struct JobAndOutboxTests {
    @Test("a failed job's last error, stored in clear, keeps Lethe's own messages and only the type of anyone else's")
    func lastErrorCarriesNoPersonalData() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        for (n, handler) in [(1, QuotingHandler() as any JobHandler), (2, FailingHandler())] {
            try await h.store.enqueue(
                NewJob(
                    .eraseAccount(RequestID("R-quote-\(n)")),
                    dedupeKey: "quote:\(n)",
                    runAt: h.clock.now(),
                    maxAttempts: 1
                )
            )
            #expect(
                try await JobRunner(store: h.store, handler: handler, clock: h.clock, worker: "W").runOnce().dead == 1
            )
        }
        let errors = try await h.store.deadJobs(limit: 10).compactMap(\.lastError)
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { !$0.contains("wren.tallowmere") && !$0.contains("Wren Tallowmere") })
        #expect(errors.contains { $0.contains("QuotingError") })
        #expect(errors.contains { $0.contains("downstream unavailable") })
    }

    @Test("A job whose worker dies mid-lease is picked up again after the lease and completes once")
    func workerDiesMidLease() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let ledger = EffectLedger()
        #expect(
            try await h.store.enqueue(
                NewJob(.eraseAccount(RequestID("R-effect-1")), dedupeKey: "effect:1", runAt: h.clock.now())
            )
        )
        #expect(
            try await h.store.enqueue(
                NewJob(.eraseAccount(RequestID("R-effect-1")), dedupeKey: "effect:1", runAt: h.clock.now())
            ) == false
        )
        // Worker A leases the job, applies the effect, and dies before recording completion.
        let leased = try await h.store.leaseJobs(worker: "A", limit: 10, now: h.clock.now(), lease: 60)
        #expect(leased.count == 1)
        let job = try #require(leased.first)
        await ledger.apply(job.id)
        // While A's lease holds, nobody else gets the job.
        #expect(try await h.store.leaseJobs(worker: "B", limit: 10, now: h.clock.now(), lease: 60).isEmpty)
        h.clock.advance(61)
        let runner = JobRunner(
            store: h.store,
            handler: RecordingHandler(ledger: ledger),
            clock: h.clock,
            worker: "B"
        )
        #expect(try await runner.runOnce() == JobRunReport(completed: 1))
        // A comes back to life: its stale lease cannot record anything.
        #expect(try await h.store.completeJob(job, now: h.clock.now()) == false)
        #expect(await ledger.applied.count == 1)
        #expect(try await h.store.jobCounts() == [.done: 1])
        #expect(try await runner.runOnce() == JobRunReport())
    }

    @Test("Failures retry with backoff and dead-letter after the last attempt")
    func retryAndDeadLetter() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-flaky-1")), dedupeKey: "flaky:1", runAt: h.clock.now(), maxAttempts: 3)
        )
        let runner = JobRunner(store: h.store, handler: FailingHandler(), clock: h.clock, worker: "W")
        #expect(try await runner.runOnce().retried == 1)
        #expect(try await runner.runOnce() == JobRunReport())  // backing off: not due yet
        h.clock.advance(31)
        #expect(try await runner.runOnce().retried == 1)
        h.clock.advance(61)
        #expect(try await runner.runOnce().dead == 1)
        h.clock.advance(10_000)
        #expect(try await runner.runOnce() == JobRunReport())
        #expect(try await h.store.jobCounts() == [.dead: 1])
    }

    @Test("A worker that dies on the last attempt leaves the job dead-lettered, not looping")
    func deathOnLastAttempt() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-x-1")), dedupeKey: "x:1", runAt: h.clock.now(), maxAttempts: 1)
        )
        let leased = try #require(
            try await h.store.leaseJobs(worker: "A", limit: 1, now: h.clock.now(), lease: 10).first
        )
        // A's handler starts (the attempt counts), then A dies inside it.
        #expect(try await h.store.startJob(leased, now: h.clock.now())?.attempts == 1)
        h.clock.advance(11)
        #expect(try await h.store.leaseJobs(worker: "B", limit: 1, now: h.clock.now(), lease: 10).isEmpty)
        #expect(try await h.store.jobCounts() == [.dead: 1])
    }

    @Test("The dispatcher writes each message once to the mail folder, and a redelivery overwrites, never duplicates")
    func mailFolder() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let id = try await h.submit().outcome.requestID
        let mail = (h.folder as NSString).appendingPathComponent("mail")
        let dispatcher = OutboxDispatcher(
            store: h.store,
            transport: MailFolderTransport(folder: mail),
            clock: h.clock,
            officerAddress: "officers@example.invalid"
        )
        let report = try await dispatcher.dispatch()
        #expect(report.delivered == 3)  // welcome, verification code, acknowledgement
        #expect(try await dispatcher.dispatch() == DispatchReport())
        let files = try FileManager.default.contentsOfDirectory(atPath: mail).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 3)
        let texts = try files.map {
            try String(contentsOfFile: (mail as NSString).appendingPathComponent($0), encoding: .utf8)
        }
        let codeMail = try #require(texts.first { $0.contains("X-Lethe-Kind: verification-code") })
        #expect(codeMail.contains("To: honora.w@example.org"))
        #expect(codeMail.contains("request \(id.rawValue)"))
        let attributes = try FileManager.default.attributesOfItem(
            atPath: (mail as NSString).appendingPathComponent(files[0])
        )
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The customer reads the code from the mail folder and verifies with it.
        let digits = try #require(codeMail.components(separatedBy: " is ").dropFirst().first?.prefix(6))
        #expect(try await h.requests.verifyCode(id, code: String(digits)))
    }

    struct BrokenTransport: NotificationTransport {
        func deliver(_ envelope: Envelope) async throws { throw JobFailure(message: "relay down") }
    }

    @Test("A failed delivery stays queued and is retried later")
    func failedDelivery() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        let broken = OutboxDispatcher(
            store: h.store,
            transport: BrokenTransport(),
            clock: h.clock,
            officerAddress: "o@example.invalid"
        )
        #expect(try await broken.dispatch().failed == 1)
        #expect(try await broken.dispatch() == DispatchReport())
        h.clock.advance(31)
        let mail = (h.folder as NSString).appendingPathComponent("mail")
        let working = OutboxDispatcher(
            store: h.store,
            transport: MailFolderTransport(folder: mail),
            clock: h.clock,
            officerAddress: "o@example.invalid"
        )
        #expect(try await working.dispatch().delivered == 1)
    }
}

@Suite("Job attempts, dead holders and requeues")
struct JobLifeTests {
    @Test("a job leased by a worker that dies before starting it loses no attempt")
    func leasedButNeverStarted() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-crash-1")), dedupeKey: "crash:1", runAt: h.clock.now(), maxAttempts: 2)
        )
        // Three workers in a row lease it and die before their handler starts (a crash loop).
        for worker in ["A", "B", "C"] {
            #expect(try await h.store.leaseJobs(worker: worker, limit: 1, now: h.clock.now(), lease: 10).count == 1)
            h.clock.advance(11)
        }
        #expect(try await h.store.jobCounts()[.dead] == nil)
        let ledger = EffectLedger()
        let runner = JobRunner(store: h.store, handler: RecordingHandler(ledger: ledger), clock: h.clock, worker: "D")
        #expect(try await runner.runOnce() == JobRunReport(completed: 1))
        #expect(await ledger.calls == 1)
    }

    @Test("a dead process's job leases are freed by name, and a dead job is requeued with an audit entry")
    func freeAndRequeue() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-held-1")), dedupeKey: "held:1", runAt: h.clock.now())
        )
        #expect(
            try await h.store.leaseJobs(worker: "purge@host-a:4242", limit: 1, now: h.clock.now(), lease: 300).count
                == 1
        )
        #expect(try await h.store.releaseJobLeases(ofProcess: "host-a", pid: 4241) == 0)
        #expect(try await h.store.releaseJobLeases(ofProcess: "host-a", pid: 4242) == 1)
        #expect(try await h.store.jobCounts()[.ready] == 1)

        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-dead-1")), dedupeKey: "dead:1", runAt: h.clock.now(), maxAttempts: 1)
        )
        let runner = JobRunner(store: h.store, handler: FailingHandler(), clock: h.clock, worker: "W")
        #expect(try await runner.runOnce().dead == 1)
        let dead = try #require(try await h.store.deadJobs(limit: 10).first)
        #expect(dead.lastError?.contains("downstream unavailable") == true)
        #expect(try await h.store.requeueDeadJob(dead.id, by: "staff:ops", reason: "vendor back up", at: h.clock.now()))
        #expect(try await h.store.requeueDeadJob(dead.id, by: "staff:ops", reason: "twice", at: h.clock.now()) == false)
        #expect(try await h.store.deadJobs(limit: 10).isEmpty)
        let audit = try await h.store.auditEntries(subjectType: "job", subjectID: String(dead.id))
        #expect(audit.map(\.event.action) == ["job.requeued"])
    }
}

/// A handler that runs `body`, for tests that need to act while a job runs.
struct ClosureHandler: JobHandler {
    let body: @Sendable (LeasedJob) async throws -> Void
    func run(_ job: Job, lease: LeasedJob) async throws { try await body(lease) }
}

@Suite("Job lease heartbeat")
struct JobHeartbeatTests {
    @Test("a job that outlives its first lease keeps it while its worker lives, so nobody runs it twice")
    func batchOutlivesItsLease() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-long-1")), dedupeKey: "long:1", runAt: h.clock.now())
        )
        let store = h.store
        let clock = h.clock
        let lease: TimeInterval = 0.6
        let ledger = EffectLedger()
        let stolen = EffectLedger()
        let handler = ClosureHandler { job in
            // The job runs for twice its lease: the test clock moves on while real time lets the
            // heartbeat (every lease / 3) renew; another worker tries to take the job all along.
            for _ in 0..<6 {
                clock.advance(0.2)
                for taken in try await store.leaseJobs(worker: "B", limit: 5, now: clock.now(), lease: lease) {
                    await stolen.apply(taken.id)
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            await ledger.apply(job.id)
        }
        var runner = JobRunner(store: store, handler: handler, clock: clock, worker: "A")
        runner.lease = lease
        #expect(try await runner.runOnce() == JobRunReport(completed: 1))
        #expect(await stolen.calls == 0)
        #expect(await ledger.calls == 1)
        #expect(try await h.store.jobCounts() == [.done: 1])

        // Once the worker stops renewing (it died), the lease runs out and another worker takes the job.
        try await h.store.enqueue(
            NewJob(.eraseAccount(RequestID("R-long-2")), dedupeKey: "long:2", runAt: h.clock.now())
        )
        #expect(try await h.store.leaseJobs(worker: "A", limit: 1, now: clock.now(), lease: lease).count == 1)
        try await Task.sleep(for: .milliseconds(400))
        clock.advance(1)
        #expect(try await h.store.leaseJobs(worker: "B", limit: 1, now: clock.now(), lease: lease).count == 1)
    }
}

/// How many jobs are inside their handler at once, and the most there ever were.
actor InFlight {
    private(set) var now = 0
    private(set) var most = 0
    func enter() {
        now += 1
        most = max(most, now)
    }
    func leave() { now -= 1 }
}

@Suite("Jobs of one batch side by side")
struct JobConcurrencyTests {
    @Test(
        "a batch runs up to the runner's concurrency of jobs at once, and each completes once",
        arguments: [1, 3]
    )
    func batchRunsSideBySide(concurrency: Int) async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        for n in 1...6 {
            try await h.store.enqueue(
                NewJob(.eraseAccount(RequestID("R-side-\(n)")), dedupeKey: "side:\(n)", runAt: h.clock.now())
            )
        }
        let inFlight = InFlight()
        let ledger = EffectLedger()
        let handler = ClosureHandler { lease in
            await inFlight.enter()
            // Each job waits until as many as may run are running (or long enough to say they never
            // will), so the count does not depend on how fast the machine starts them.
            let deadline = Date().addingTimeInterval(10)
            while await inFlight.now < concurrency && Date() < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            await ledger.apply(lease.id)
            await inFlight.leave()
        }
        var runner = JobRunner(store: h.store, handler: handler, clock: h.clock, worker: "W")
        runner.concurrency = concurrency
        let report = try await runner.runOnce(limit: 10)
        #expect(report.completed == 6)
        #expect(await inFlight.most == concurrency)
        #expect(await ledger.calls == 6)
        #expect(await ledger.applied.count == 6)
        #expect(try await runner.runOnce(limit: 10) == JobRunReport())
    }

    @Test("one job's failure is its own: the others of the batch complete beside it")
    func failureBesideSuccess() async throws {
        let h = try await RequestHarness()
        defer { h.close() }
        for n in 1...4 {
            try await h.store.enqueue(
                NewJob(
                    .eraseAccount(RequestID("R-mixed-\(n)")),
                    dedupeKey: "mixed:\(n)",
                    runAt: h.clock.now(),
                    maxAttempts: 1
                )
            )
        }
        let handler = ClosureHandler { lease in
            if lease.id % 2 == 0 { throw JobFailure(message: "downstream unavailable") }
        }
        var runner = JobRunner(store: h.store, handler: handler, clock: h.clock, worker: "W")
        runner.concurrency = 4
        let report = try await runner.runOnce(limit: 10)
        #expect(report == JobRunReport(completed: 2, dead: 2))
        #expect(try await h.store.deadJobs(limit: 10).count == 2)
    }
}

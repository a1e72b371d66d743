import Foundation
import LetheCore
import LetheCrypto

extension SQLStore {
    /// Inserts into `jobs` with `ON CONFLICT(dedupe_key) DO NOTHING`, in one concurrent write (no advisory
    /// lock on PostgreSQL).
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> Bool {
        try faults.check("jobs.enqueue")
        let now = Date().storeValue
        return try await database.write(.concurrent) { db in try Self.insertJob(db, job, now: now) }
    }

    /// In one transaction: dead-letters jobs whose lease ran out on their last attempt, then leases the
    /// oldest due candidates with a fresh random token each (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
    public func leaseJobs(
        worker: String,
        limit: Int,
        now: Date,
        lease: TimeInterval,
        kinds: Set<JobKind>?
    ) async throws -> [LeasedJob] {
        let at = now.storeValue
        let until = now.addingTimeInterval(lease).storeValue
        var tokens: [String] = []
        for _ in 0..<max(0, limit) { tokens.append(Data(try SecureRandom.bytes(16)).base64EncodedString()) }
        let leaseTokens = tokens
        let kindFilter =
            kinds.map { "AND kind IN (\($0.map(\.rawValue).sorted().map(SQLText.quote).joined(separator: ", ")))" }
            ?? ""
        // SQLite serialises writers, so select-then-update in one write transaction cannot hand a job to two
        // workers; on PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so workers leasing
        // at once each get different jobs without waiting for one another.
        return try await database.write(.concurrent) { db in
            // A lease that ran out on the job's last attempt means the worker died on it: dead-letter it.
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'dead', last_error = 'lease expired on the last attempt', finished_at = ?
                    WHERE status = 'leased' AND lease_expires_at <= ? AND attempts >= max_attempts
                    """,
                arguments: [at, at]
            )
            let candidates = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT id FROM jobs
                    WHERE ((status = 'ready' AND run_at <= ?) OR (status = 'leased' AND lease_expires_at <= ?))
                    \(kindFilter)
                    ORDER BY run_at, id LIMIT ?\(db.skipLocked)
                    """,
                arguments: [at, at, limit]
            ).map { $0["id"] as Int64 }
            var leased: [LeasedJob] = []
            for (index, id) in candidates.enumerated() {
                try db.execute(
                    sql: """
                        UPDATE jobs SET status = 'leased', lease_token = ?, leased_by = ?,
                            lease_expires_at = ?
                        WHERE id = ?
                        """,
                    arguments: [leaseTokens[index], worker, until, id]
                )
                if let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]) {
                    leased.append(
                        LeasedJob(
                            id: id,
                            kind: row["kind"],
                            requestID: (row["request_id"] as String?).map(RequestID.init),
                            payload: row["payload"],
                            attempts: row["attempts"],
                            maxAttempts: row["max_attempts"],
                            token: leaseTokens[index],
                            leaseExpiresAt: Date(storeValue: until)
                        )
                    )
                }
            }
            return leased
        }
    }

    /// Increments `attempts` only while the lease token matches and has not expired.
    public func startJob(_ job: LeasedJob, now: Date) async throws -> LeasedJob? {
        try await database.write(.concurrent) { db in
            try db.execute(
                sql:
                    "UPDATE jobs SET attempts = attempts + 1 WHERE id = ? AND lease_token = ? AND status = 'leased' AND lease_expires_at > ?",
                arguments: [job.id, job.token, now.storeValue]
            )
            guard db.changesCount == 1 else { return nil }
            return LeasedJob(
                id: job.id,
                kind: job.kind,
                requestID: job.requestID,
                payload: job.payload,
                attempts: job.attempts + 1,
                maxAttempts: job.maxAttempts,
                token: job.token,
                leaseExpiresAt: job.leaseExpiresAt
            )
        }
    }

    /// Sets `lease_expires_at` to `now + lease` on each job still `leased` under its own token, in one
    /// concurrent write.
    public func renewJobLeases(_ jobs: [LeasedJob], now: Date, lease: TimeInterval) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        let until = now.addingTimeInterval(lease).storeValue
        return try await database.write(.concurrent) { db in
            var renewed = 0
            for job in jobs {
                try db.execute(
                    sql: "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND status = 'leased'",
                    arguments: [until, job.id, job.token]
                )
                renewed += db.changesCount
            }
            return renewed
        }
    }

    /// Returns to `ready` every leased job whose `leased_by` ends in `@host:pid`, attempts unchanged.
    public func releaseJobLeases(ofProcess host: String, pid: Int32) async throws -> Int {
        let suffix = "@\(host):\(pid)"
        return try await database.write(.concurrent) { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'ready', lease_token = NULL, leased_by = NULL, lease_expires_at = NULL
                    WHERE status = 'leased' AND leased_by LIKE ?
                    """,
                arguments: ["%" + suffix]
            )
            return db.changesCount
        }
    }

    /// Reads `dead` jobs by the time they died, oldest first.
    public func deadJobs(limit: Int) async throws -> [DeadJob] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT id, kind, request_id, attempts, last_error, finished_at FROM jobs WHERE status = 'dead'
                    ORDER BY finished_at, id LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                DeadJob(
                    id: row["id"],
                    kind: row["kind"],
                    requestID: (row["request_id"] as String?).map(RequestID.init),
                    attempts: row["attempts"],
                    lastError: row["last_error"],
                    deadSince: (row["finished_at"] as Double?).map(Date.init(storeValue:))
                )
            }
        }
    }

    /// Resets a `dead` job to `ready` with zero attempts, due at `at`, with a `job.requeued` audit entry in
    /// one serialized write.
    public func requeueDeadJob(_ id: Int64, by actor: String, reason: String, at: Date) async throws -> Bool {
        let signer = try await auditSigner()
        return try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'ready', attempts = 0, run_at = ?, finished_at = NULL, lease_token = NULL,
                        leased_by = NULL, lease_expires_at = NULL
                    WHERE id = ? AND status = 'dead'
                    """,
                arguments: [at.storeValue, id]
            )
            guard db.changesCount == 1 else { return false }
            try signer.append(
                AuditEvent(
                    at: at,
                    actor: actor,
                    action: "job.requeued",
                    subjectType: "job",
                    subjectID: String(id),
                    fields: [],
                    reason: reason
                ),
                db
            )
            return true
        }
    }

    /// Marks the job `done` only while its lease token still matches.
    public func completeJob(_ job: LeasedJob, now: Date) async throws -> Bool {
        try await database.write(.concurrent) { db in
            try db.execute(
                sql:
                    "UPDATE jobs SET status = 'done', finished_at = ?, lease_token = NULL WHERE id = ? AND lease_token = ? AND status = 'leased'",
                arguments: [now.storeValue, job.id, job.token]
            )
            return db.changesCount == 1
        }
    }

    /// Returns the job to `ready` at `retryAt`, or marks it `dead` when its attempts are used up, only while
    /// its lease token matches; returns the status the row has afterwards (`dead` when the row is gone).
    public func failJob(_ job: LeasedJob, error: String, now: Date, retryAt: Date) async throws -> JobStatus {
        try await database.write(.concurrent) { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET
                        status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,
                        run_at = ?, last_error = ?, lease_token = NULL,
                        finished_at = CASE WHEN attempts >= max_attempts THEN ? ELSE NULL END
                    WHERE id = ? AND lease_token = ? AND status = 'leased'
                    """,
                arguments: [retryAt.storeValue, String(error.prefix(500)), now.storeValue, job.id, job.token]
            )
            let status = try String.fetchOne(db, sql: "SELECT status FROM jobs WHERE id = ?", arguments: [job.id])
            return status.flatMap(JobStatus.init(rawValue:)) ?? .dead
        }
    }

    /// Counts due ready jobs (and leases that ran out) and live leases of `kinds` in one snapshot.
    public func jobBacklog(kinds: Set<JobKind>, now: Date) async throws -> (ready: Int, leased: Int) {
        let list = kinds.map(\.rawValue).sorted().map(SQLText.quote).joined(separator: ", ")
        let at = now.storeValue
        return try await database.read { db in
            let ready =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM jobs WHERE kind IN (\(list))
                        AND ((status = 'ready' AND run_at <= ?) OR (status = 'leased' AND lease_expires_at <= ?))
                        """,
                    arguments: [at, at]
                ) ?? 0
            let leased =
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM jobs WHERE status = 'leased' AND lease_expires_at > ? AND kind IN (\(list))",
                    arguments: [at]
                ) ?? 0
            return (ready, leased)
        }
    }

    /// Groups `jobs` by status; statuses this build does not know are left out.
    public func jobCounts() async throws -> [JobStatus: Int] {
        try await database.read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try SQLRow.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }
}

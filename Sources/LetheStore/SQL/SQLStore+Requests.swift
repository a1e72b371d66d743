import Foundation
import LetheCore
import LetheCrypto

extension StoreError {
    /// Another actor moved the request first; nothing was applied.
    static func requestMoved(_ id: RequestID, expected: RequestStatus, actual: String) -> StoreError {
        .invalidValue(field: "request \(id)", reason: "is \(actual), not \(expected.rawValue); reload and try again")
    }
}

/// A lifecycle event with its free-text reason sealed.
private struct SealedEvent: Sendable {
    let request: String
    let at: Double
    let from: String
    let to: String
    let actor: String
    let reason: Data?
    let denial: String?

    /// Without a codec (the subject was erased), the free-text reason is not kept, but that there was
    /// one is: a marker takes its place, so the record replays (a cancellation or an extension needs a
    /// reason) and reads as "(erased)" for the record's whole retention.
    init(_ event: LifecycleEvent, _ codec: FieldCodec?) throws {
        request = event.requestID.rawValue
        at = event.at.storeValue
        from = event.from.rawValue
        to = event.to.rawValue
        actor = event.actor.description
        if let codec {
            reason = try codec.sealOptional(event.reason, EncryptedField.requestEventReason)
        } else {
            reason = event.reason == nil ? nil : SQLStore.erasedReasonMarker
        }
        denial = event.denialReason?.rawValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO request_events (request_id, at, from_status, to_status, actor, reason, denial_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [request, at, from, to, actor, reason, denial]
        )
    }
}

extension SQLStore {
    /// Stands in for a reason given after the subject's key was destroyed; never a ciphertext.
    static let erasedReasonMarker = Data("lethe:reason-given-after-erasure".utf8)

    static func encodeSchedule(_ schedule: DeadlineSchedule) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(schedule.withoutExtensionReason), as: UTF8.self)
    }

    static func decodeSchedule(_ text: String) throws -> DeadlineSchedule {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(DeadlineSchedule.self, from: Data(text.utf8))
    }

    static func insertHistory(
        _ db: any SQLSession,
        request: String,
        at: Double,
        cause: String,
        _ schedule: DeadlineSchedule
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO deadline_history (request_id, at, cause, acknowledgement_due, response_due, extended_due, internal_target)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                request, at, cause, schedule.acknowledgement?.due.description, schedule.response.due.description,
                schedule.extended?.due.description, schedule.internalTarget.description,
            ]
        )
    }

    static func insertJob(_ db: any SQLSession, _ job: NewJob, now: Double) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO jobs (kind, request_id, dedupe_key, payload, status, attempts, max_attempts, run_at, created_at)
                VALUES (?, ?, ?, ?, 'ready', 0, ?, ?, ?)
                ON CONFLICT(dedupe_key) DO NOTHING
                """,
            arguments: [
                job.kind, job.requestID?.rawValue, job.dedupeKey, job.payload, job.maxAttempts, job.runAt.storeValue,
                now,
            ]
        )
        return db.changesCount > 0
    }

    /// Checks the idempotency key (`privacy_requests`, `request_links`) and the customer's open request of
    /// the same kind, then writes the request, a new subject key when needed, its events, deadline history,
    /// code, outbox messages and audit entries, all in one serialized write.
    public func createRequest(_ record: NewRequestRecord) async throws -> IntakeOutcome {
        let subject = record.subjectID
        // A request about an unknown person gets its own key, created with it (and shredded with it).
        var newKey: (SecretBytes, WrappedDataKey)?
        let codec: FieldCodec
        if let existing = try await self.codec(subject: subject) {
            codec = existing
        } else {
            let (key, wrapped) = try await vault.newDataKey(for: subject)
            newKey = (key, wrapped)
            codec = try FieldCodec(customerID: subject, keyID: wrapped.id, key: key)
        }
        let request = record.request
        let id = request.id.rawValue
        let email = try codec.sealOptional(record.requesterEmail, EncryptedField.requesterEmail)
        let events = try request.events.map { try SealedEvent($0, codec) }
        let messages = try record.messages.map { try SealedOutbox($0, codec, at: request.receivedAt) }
        let schedule = try Self.encodeSchedule(record.schedule)
        let details: String? =
            record.consentChanges.isEmpty
            ? nil : String(decoding: try JSONEncoder.sorted.encode(record.consentChanges), as: UTF8.self)
        let consents = try record.consents.map {
            ($0, try codec.sealOptional($0.sourceDetail, EncryptedField.consentSourceDetail))
        }
        let signer = try await auditSigner()
        let wrapped = newKey?.1
        let at = request.receivedAt.storeValue
        let linkAudit: @Sendable (String) -> AuditEvent = { existing in
            AuditEvent(
                at: request.receivedAt,
                actor: "system:intake",
                action: "request.linked",
                subjectType: "request",
                subjectID: existing,
                fields: [request.kind.rawValue],
                reason: "a second \(request.kind.rawValue) request while one is open"
            )
        }
        let outcome = try await database.write { db -> IntakeOutcome in
            if let key = record.idempotencyKey {
                if let existing = try String.fetchOne(
                    db,
                    sql: "SELECT id FROM privacy_requests WHERE idempotency_key = ?",
                    arguments: [key]
                )
                    ?? String.fetchOne(
                        db,
                        sql: "SELECT request_id FROM request_links WHERE idempotency_key = ?",
                        arguments: [key]
                    )
                {
                    return .repeated(RequestID(existing))
                }
            }
            if let account = request.accountID?.description {
                let terminal = RequestStatus.allCases.filter(\.isTerminal).map(\.rawValue)
                let placeholders = terminal.map { _ in "?" }.joined(separator: ",")
                if let open = try String.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM privacy_requests WHERE account_id = ? AND kind = ? AND status NOT IN (\(placeholders))
                        ORDER BY received_at LIMIT 1
                        """,
                    arguments: SQLArguments([account, request.kind.rawValue] + terminal)
                ) {
                    try db.execute(
                        sql: "INSERT INTO request_links (request_id, at, channel, idempotency_key) VALUES (?, ?, ?, ?)",
                        arguments: [open, at, record.channel.rawValue, record.idempotencyKey]
                    )
                    try signer.append(linkAudit(open), db)
                    return .linked(RequestID(open))
                }
            }
            if let wrapped {
                try db.execute(
                    sql: """
                        INSERT INTO data_keys (account_id, key_id, key_version, master_version, sealed, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        subject, Int64(wrapped.id.keyID), Int64(wrapped.id.version), Int64(wrapped.masterVersion),
                        Data(wrapped.sealed), at,
                    ]
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO privacy_requests (id, kind, deadline_kind, account_id, subject_id, jurisdiction, channel, agent_id,
                        status, received_at, requester_email, idempotency_key, binding_due, internal_target, schedule, updated_at,
                        details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, request.kind.rawValue, request.deadlineKind.rawValue, request.accountID?.description, subject,
                    request.jurisdictionID, record.channel.rawValue, record.agentID, request.status.rawValue, at, email,
                    record.idempotencyKey, record.schedule.binding.due.description,
                    record.schedule.internalTarget.description,
                    schedule, at, details,
                ]
            )
            for event in events { try event.insert(db) }
            try Self.insertHistory(db, request: id, at: at, cause: "received", record.schedule)
            if let code = record.code {
                try db.execute(
                    sql: """
                        INSERT INTO verification_codes (purpose, code_hash, created_at, expires_at, attempts, locked, address_index)
                        VALUES (?, ?, ?, ?, 0, FALSE, ?)
                        """,
                    arguments: [
                        id, Data(code.hash), code.createdAt.storeValue, code.expiresAt.storeValue,
                        Data(code.addressIndex),
                    ]
                )
                try db.execute(
                    sql: "INSERT INTO code_sends (subject_id, address_index, at) VALUES (?, ?, ?)",
                    arguments: [subject, Data(code.addressIndex), code.createdAt.storeValue]
                )
            }
            try Self.insertIntakeEffects(db, record, consents: consents)
            for message in messages { try message.insert(db) }
            for event in record.audit { try signer.append(event, db) }
            try self.faults.check("intake.before-commit")
            return .created(request.id)
        }
        if case .created = outcome, let (key, wrapped) = newKey {
            await vault.remember(key, id: wrapped.id, for: subject)
        }
        return outcome
    }

    /// What intake decided beyond the request itself (supervisor alerts, a withdrawal's ledger entries,
    /// recipients told, completion), written in the request's own transaction: a crash leaves all or none.
    private static func insertIntakeEffects(
        _ db: any SQLSession,
        _ record: NewRequestRecord,
        consents: [(ConsentRecord, Data?)]
    ) throws {
        let id = record.request.id.rawValue
        if let assignee = record.assignee {
            try db.execute(sql: "UPDATE privacy_requests SET assignee = ? WHERE id = ?", arguments: [assignee, id])
        }
        if let completed = record.completedAt {
            try db.execute(
                sql: "UPDATE privacy_requests SET completed_at = ? WHERE id = ?",
                arguments: [completed.storeValue, id]
            )
        }
        for alert in record.alerts {
            try db.execute(
                sql:
                    "INSERT INTO request_alerts (request_id, threshold, level, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [id, alert.threshold, alert.level, alert.at.storeValue]
            )
        }
        if let account = record.request.accountID?.description {
            for (consent, detail) in consents {
                try db.execute(
                    sql: """
                        INSERT INTO consents (account_id, purpose, granted, source, source_detail, notice_version, at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        account, consent.purpose, consent.granted, consent.source, detail, consent.noticeVersion,
                        consent.at.storeValue,
                    ]
                )
            }
        }
        if let (recipients, action, at) = record.recipients {
            for recipient in recipients {
                try db.execute(
                    sql: """
                        INSERT INTO request_recipients (request_id, recipient_id, action, status, updated_at)
                        VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [id, recipient, action, at.storeValue]
                )
            }
        }
        let now = Date().storeValue
        for job in record.jobs { _ = try insertJob(db, job, now: now) }
    }

    /// Reads the request, its events, pauses and link count in one snapshot; after the subject's erasure
    /// free-text reasons read `(erased)` and the requester email is nil.
    public func request(_ id: RequestID) async throws -> StoredRequest? {
        let key = id.rawValue
        struct Columns: Sendable {
            let kind: String, deadlineKind: String, account: String?, subject: String, jurisdiction: String
            let channel: String, agent: String?, received: Double, email: Data?, schedule: String, assignee: String?
            let extensionAt: Double?, extensionReason: Data?, completed: Double?
            let agentPermission: Data?, agentPermissionAt: Double?, confirmedAt: Double?, details: String?
        }
        struct EventColumns: Sendable {
            let at: Double, from: String, to: String, actor: String, reason: Data?, denial: String?
        }
        let loaded = try await database.read { db -> (Columns, [EventColumns], [StoredPause], Int)? in
            guard
                let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM privacy_requests WHERE id = ?", arguments: [key])
            else {
                return nil
            }
            let columns = Columns(
                kind: row["kind"],
                deadlineKind: row["deadline_kind"],
                account: row["account_id"],
                subject: row["subject_id"],
                jurisdiction: row["jurisdiction"],
                channel: row["channel"],
                agent: row["agent_id"],
                received: row["received_at"],
                email: row["requester_email"],
                schedule: row["schedule"],
                assignee: row["assignee"],
                extensionAt: row["extension_sent_at"],
                extensionReason: row["extension_reason"],
                completed: row["completed_at"],
                agentPermission: row["agent_permission"],
                agentPermissionAt: row["agent_permission_at"],
                confirmedAt: row["customer_confirmed_at"],
                details: row["details"]
            )
            let events = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM request_events WHERE request_id = ? ORDER BY id",
                arguments: [key]
            )
            .map {
                EventColumns(
                    at: $0["at"],
                    from: $0["from_status"],
                    to: $0["to_status"],
                    actor: $0["actor"],
                    reason: $0["reason"],
                    denial: $0["denial_reason"]
                )
            }
            let pauses = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM request_pauses WHERE request_id = ? ORDER BY id",
                arguments: [key]
            )
            .compactMap { row -> StoredPause? in
                guard let from = LocalDate(row["from_date"] as String),
                    let reason = PauseReason(rawValue: row["reason"])
                else {
                    return nil
                }
                return StoredPause(from: from, to: (row["to_date"] as String?).flatMap(LocalDate.init), reason: reason)
            }
            let links =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM request_links WHERE request_id = ?", arguments: [key])
                ?? 0
            return (columns, events, pauses, links)
        }
        guard let (columns, eventRows, pauses, links) = loaded else { return nil }
        let codec = try await self.codec(subject: columns.subject)
        func open(_ data: Data?, _ location: FieldLocation) throws -> String? {
            guard let data else { return nil }
            // After erasure the key is gone: the record stays, its free text does not. The marker is checked
            // first: another process may still hold the erased key in its cache, and the marker is no
            // ciphertext for it to open.
            guard codec != nil, data != Self.erasedReasonMarker, let codec else { return "(erased)" }
            return try codec.open(data, location)
        }
        let events = try eventRows.map { row -> LifecycleEvent in
            guard let from = RequestStatus(rawValue: row.from), let to = RequestStatus(rawValue: row.to),
                let actor = Actor(stored: row.actor)
            else { throw StoreError.invalidValue(field: "request \(id)", reason: "stored event is not readable") }
            // Rows written before the marker existed hold NULL where a reason was given after erasure; the
            // transitions that need a reason are read as having one, so the record still replays.
            let needsReason = [.cancelled, .extended, .denied].contains(to)
            let reason =
                row.reason == nil && codec == nil && needsReason
                ? "(erased)" : try open(row.reason, EncryptedField.requestEventReason)
            return LifecycleEvent(
                requestID: id,
                from: from,
                to: to,
                actor: actor,
                at: Date(storeValue: row.at),
                reason: reason,
                denialReason: row.denial.flatMap(DenialReason.init(rawValue:))
            )
        }
        guard let kind = RequestKind(rawValue: columns.kind),
            let deadlineKind = DeadlineKind(rawValue: columns.deadlineKind),
            let channel = RequestChannel(rawValue: columns.channel)
        else { throw StoreError.invalidValue(field: "request \(id)", reason: "stored kind or channel is not readable") }
        let request = try PrivacyRequest.restore(
            id: id,
            kind: kind,
            deadlineKind: deadlineKind,
            accountID: try columns.account.map { try AccountID($0) },
            jurisdictionID: columns.jurisdiction,
            receivedAt: Date(storeValue: columns.received),
            events: events
        )
        var notice: ExtensionNotice?
        if let at = columns.extensionAt {
            notice = ExtensionNotice(
                sentAt: Date(storeValue: at),
                reason: try open(columns.extensionReason, EncryptedField.extensionReason) ?? ""
            )
        }
        return StoredRequest(
            request: request,
            channel: channel,
            subjectID: columns.subject,
            agentID: columns.agent,
            // Nobody to write to once the subject is erased: no placeholder posing as an address.
            requesterEmail: codec == nil ? nil : try open(columns.email, EncryptedField.requesterEmail),
            schedule: try Self.decodeSchedule(columns.schedule),
            assignee: columns.assignee,
            pauses: pauses,
            extensionNotice: notice,
            completedAt: columns.completed.map(Date.init(storeValue:)),
            linkedSubmissions: links,
            agentPermission: try open(columns.agentPermission, EncryptedField.agentPermission),
            agentPermissionAt: columns.agentPermissionAt.map(Date.init(storeValue:)),
            customerConfirmedAt: columns.confirmedAt.map(Date.init(storeValue:)),
            consentChanges: try columns.details.map {
                try JSONDecoder().decode([String: Bool].self, from: Data($0.utf8))
            } ?? [:]
        )
    }

    /// Compare-and-sets `privacy_requests.status`, then writes the event, schedule, pauses, notices, jobs
    /// and audit entries in the same serialized write.
    public func updateRequest(_ id: RequestID, expecting expected: RequestStatus, _ update: RequestUpdate) async throws
    {
        let key = id.rawValue
        guard
            let subject = try await database.read({ db in
                try String.fetchOne(db, sql: "SELECT subject_id FROM privacy_requests WHERE id = ?", arguments: [key])
            })
        else { throw StoreError.invalidValue(field: "request", reason: "no request \(id)") }
        // After erasure the subject's key is gone: the request record stays and can still move, but no
        // free text is kept and nothing can be sent to the erased customer.
        let codec = try await codec(subject: subject)
        if codec == nil, !update.messages.isEmpty || update.extensionNotice != nil || update.agentPermission != nil {
            throw StoreError.subjectErased(id)
        }
        let event = try update.event.map { try SealedEvent($0, codec) }
        let now = (update.event?.at ?? update.extensionNotice?.sentAt ?? Date()).storeValue
        let messages = try update.messages.compactMap { message in
            try codec.map { try SealedOutbox(message, $0, at: Date(storeValue: now)) }
        }
        let schedule = try update.schedule.map { (try Self.encodeSchedule($0.0), $0.0, $0.cause) }
        let extensionReason = try update.extensionNotice.flatMap { notice in
            try codec?.seal(notice.reason, EncryptedField.extensionReason)
        }
        let permission = try update.agentPermission.flatMap { agent in
            try codec.map { (try $0.seal(agent.proof, EncryptedField.agentPermission), agent.at.storeValue) }
        }
        let confirmed = update.customerConfirmedAt?.storeValue
        let signer = try await auditSigner()
        let faults = self.faults
        try await database.write { db in
            let newStatus = update.event?.to.rawValue ?? expected.rawValue
            try db.execute(
                sql: "UPDATE privacy_requests SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                arguments: [newStatus, now, key, expected.rawValue]
            )
            guard db.changesCount == 1 else {
                let actual = try String.fetchOne(
                    db,
                    sql: "SELECT status FROM privacy_requests WHERE id = ?",
                    arguments: [key]
                )
                throw StoreError.requestMoved(id, expected: expected, actual: actual ?? "missing")
            }
            if let event { try event.insert(db) }
            try faults.check("request.after-event")
            if let (json, schedule, cause) = schedule {
                try db.execute(
                    sql: "UPDATE privacy_requests SET binding_due = ?, internal_target = ?, schedule = ? WHERE id = ?",
                    arguments: [schedule.binding.due.description, schedule.internalTarget.description, json, key]
                )
                try Self.insertHistory(db, request: key, at: now, cause: cause, schedule)
            }
            if let (from, reason) = update.startPause {
                try db.execute(
                    sql: "INSERT INTO request_pauses (request_id, from_date, reason) VALUES (?, ?, ?)",
                    arguments: [key, from.description, reason.rawValue]
                )
            }
            if let to = update.endPause {
                try db.execute(
                    sql: "UPDATE request_pauses SET to_date = ? WHERE request_id = ? AND to_date IS NULL",
                    arguments: [to.description, key]
                )
            }
            if let notice = update.extensionNotice {
                try db.execute(
                    sql: "UPDATE privacy_requests SET extension_sent_at = ?, extension_reason = ? WHERE id = ?",
                    arguments: [notice.sentAt.storeValue, extensionReason, key]
                )
            }
            if let (proof, at) = permission {
                try db.execute(
                    sql: "UPDATE privacy_requests SET agent_permission = ?, agent_permission_at = ? WHERE id = ?",
                    arguments: [proof, at, key]
                )
            }
            if let confirmed {
                try db.execute(
                    sql: "UPDATE privacy_requests SET customer_confirmed_at = ? WHERE id = ?",
                    arguments: [confirmed, key]
                )
            }
            if let assignee = update.assignee {
                try db.execute(
                    sql: "UPDATE privacy_requests SET assignee = ? WHERE id = ?",
                    arguments: [assignee, key]
                )
            }
            if let completed = update.completedAt {
                try db.execute(
                    sql: "UPDATE privacy_requests SET completed_at = ? WHERE id = ?",
                    arguments: [completed.storeValue, key]
                )
            }
            for message in messages { try message.insert(db) }
            for job in update.jobs { _ = try Self.insertJob(db, job, now: now) }
            for entry in update.audit { try signer.append(entry, db) }
        }
    }

    /// Groups open `privacy_requests` by `binding_due` and kind in SQL.
    public func openRequestsByDueDate(through: LocalDate) async throws -> [DueDateCount] {
        let open = RequestQuery.open.map(\.rawValue).sorted()
        let marks = open.map { _ in "?" }.joined(separator: ",")
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT binding_due, kind, COUNT(*) AS n FROM privacy_requests
                    WHERE status IN (\(marks)) AND binding_due <= ? GROUP BY binding_due, kind
                    """,
                arguments: SQLArguments(open + [through.description])
            ).compactMap { row in
                guard let due = LocalDate(row["binding_due"] as String), let kind = RequestKind(rawValue: row["kind"])
                else { return nil }
                return DueDateCount(due: due, kind: kind, count: row["n"])
            }
        }
    }

    /// Groups `privacy_requests` by UTC month of `received_at` (`strftime` on SQLite, `to_char` on PostgreSQL).
    public func requestsByMonth(since: Date) async throws -> [MonthCount] {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(db.dialect == .sqlite ? Self.sqliteMonth : Self.postgresMonth),
                           COUNT(*) AS received, SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed
                    FROM privacy_requests WHERE received_at >= ? GROUP BY y, m ORDER BY y, m
                    """,
                arguments: [since.storeValue]
            ).compactMap { row in
                guard let year = Int(row["y"] as String), let month = Int(row["m"] as String) else { return nil }
                return MonthCount(year: year, month: month, received: row["received"], completed: row["completed"])
            }
        }
    }

    // Calendar months of the receipt instant, in UTC on both engines.
    static let sqliteMonth =
        "strftime('%Y', received_at, 'unixepoch') AS y, strftime('%m', received_at, 'unixepoch') AS m"
    static let postgresMonth = """
        to_char(to_timestamp(received_at) AT TIME ZONE 'UTC', 'YYYY') AS y,
        to_char(to_timestamp(received_at) AT TIME ZONE 'UTC', 'MM') AS m
        """

    /// Reads each request with the denial reason of its latest `denied` event; rows of unknown kinds are skipped.
    public func requestOutcomes(
        jurisdiction: String,
        receivedFrom from: Date,
        before: Date
    ) async throws
        -> [RequestOutcome]
    {
        try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT r.kind, r.deadline_kind, r.status, r.received_at, r.completed_at,
                           (SELECT e.denial_reason FROM request_events e
                            WHERE e.request_id = r.id AND e.to_status = 'denied' ORDER BY e.id DESC LIMIT 1) AS denial
                    FROM privacy_requests r
                    WHERE r.jurisdiction = ? AND r.received_at >= ? AND r.received_at < ?
                    """,
                arguments: [jurisdiction, from.storeValue, before.storeValue]
            ).compactMap { row in
                guard let kind = RequestKind(rawValue: row["kind"]),
                    let deadlineKind = DeadlineKind(rawValue: row["deadline_kind"]),
                    let status = RequestStatus(rawValue: row["status"])
                else { return nil }
                return RequestOutcome(
                    kind: kind,
                    deadlineKind: deadlineKind,
                    status: status,
                    receivedAt: Date(storeValue: row["received_at"]),
                    closedAt: (row["completed_at"] as Double?).map(Date.init(storeValue:)),
                    denialReason: (row["denial"] as String?).flatMap(DenialReason.init(rawValue:))
                )
            }
        }
    }

    /// Counts open `privacy_requests` per status, overdue and due soon, in one snapshot.
    public func queueDepth(today: LocalDate, dueSoonBy: LocalDate) async throws -> QueueDepth {
        let open = RequestQuery.open.map(\.rawValue).sorted()
        let marks = open.map { _ in "?" }.joined(separator: ",")
        return try await database.read { db in
            var byStatus: [RequestStatus: Int] = [:]
            for row in try SQLRow.fetchAll(
                db,
                sql: "SELECT status, COUNT(*) AS n FROM privacy_requests WHERE status IN (\(marks)) GROUP BY status",
                arguments: SQLArguments(open)
            ) {
                if let status = RequestStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
            }
            let urgency = try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(CASE WHEN binding_due < ? THEN 1 ELSE 0 END), 0) AS overdue,
                           COALESCE(SUM(CASE WHEN binding_due >= ? AND binding_due <= ? THEN 1 ELSE 0 END), 0) AS soon
                    FROM privacy_requests WHERE status IN (\(marks))
                    """,
                arguments: SQLArguments(
                    [today.description, today.description, dueSoonBy.description] + open
                )
            )
            return QueueDepth(
                byStatus: byStatus,
                dueSoon: urgency?["soon"] ?? 0,
                overdue: urgency?["overdue"] ?? 0
            )
        }
    }

    /// Filters `privacy_requests` in SQL, ordered by `binding_due` then `received_at`, at least one row.
    public func listRequests(_ query: RequestQuery) async throws -> [RequestSummary] {
        var conditions: [String] = []
        var arguments: [(any SQLBindable)?] = []
        if let statuses = query.statuses {
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            arguments += statuses.map(\.rawValue).sorted()
        }
        if let account = query.accountID {
            conditions.append("account_id = ?")
            arguments.append(account.description)
        }
        if let kind = query.kind {
            conditions.append("kind = ?")
            arguments.append(kind.rawValue)
        }
        if let jurisdiction = query.jurisdiction {
            conditions.append("jurisdiction = ?")
            arguments.append(jurisdiction)
        }
        if let assignee = query.assignee {
            conditions.append("assignee = ?")
            arguments.append(assignee)
        }
        if let due = query.dueOnOrBefore {
            conditions.append("binding_due <= ?")
            arguments.append(due.description)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT id, kind, account_id, jurisdiction, status, channel, received_at, binding_due, internal_target, assignee
            FROM privacy_requests \(whereClause) ORDER BY binding_due, received_at LIMIT \(max(1, query.limit))
            """
        let bound = SQLArguments(arguments)
        return try await database.read { db in
            try SQLRow.fetchAll(db, sql: sql, arguments: bound).compactMap { row -> RequestSummary? in
                guard let kind = RequestKind(rawValue: row["kind"]),
                    let status = RequestStatus(rawValue: row["status"]),
                    let channel = RequestChannel(rawValue: row["channel"]),
                    let due = LocalDate(row["binding_due"] as String),
                    let target = LocalDate(row["internal_target"] as String)
                else { return nil }
                return RequestSummary(
                    id: RequestID(row["id"]),
                    kind: kind,
                    accountID: (row["account_id"] as String?).flatMap { try? AccountID($0) },
                    jurisdiction: row["jurisdiction"],
                    status: status,
                    channel: channel,
                    receivedAt: Date(storeValue: row["received_at"]),
                    due: due,
                    internalTarget: target,
                    assignee: row["assignee"]
                )
            }
        }
    }

    /// Reads `deadline_history` of the request in insertion order.
    public func deadlineHistory(_ id: RequestID) async throws -> [DeadlineChange] {
        let key = id.rawValue
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM deadline_history WHERE request_id = ? ORDER BY id",
                arguments: [key]
            )
            .compactMap { row in
                guard let response = LocalDate(row["response_due"] as String),
                    let target = LocalDate(row["internal_target"] as String)
                else { return nil }
                return DeadlineChange(
                    at: Date(storeValue: row["at"]),
                    cause: row["cause"],
                    acknowledgementDue: (row["acknowledgement_due"] as String?).flatMap(LocalDate.init),
                    responseDue: response,
                    extendedDue: (row["extended_due"] as String?).flatMap(LocalDate.init),
                    internalTarget: target
                )
            }
        }
    }

    /// Reads the `verification_codes` row of `purpose`.
    public func verificationCode(_ purpose: String) async throws -> VerificationCodeRecord? {
        try await database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM verification_codes WHERE purpose = ?", arguments: [purpose])
                .map(
                    Self.code
                )
        }
    }

    static func code(_ row: SQLRow) -> VerificationCodeRecord {
        VerificationCodeRecord(
            hash: Array(row["code_hash"] as Data),
            createdAt: Date(storeValue: row["created_at"]),
            expiresAt: Date(storeValue: row["expires_at"]),
            attempts: row["attempts"],
            locked: row["locked"],
            addressIndex: Array(row["address_index"] as Data)
        )
    }

    /// Locks the code on success, or counts a failure and locks at `maxAttempts`, then rereads it, in one
    /// serialized write; nil when there is no code for `purpose`.
    public func recordCodeAttempt(
        _ purpose: String,
        succeeded: Bool,
        maxAttempts: Int
    ) async throws -> VerificationCodeRecord? {
        try await database.write { db in
            if succeeded {
                // A used code is spent: it cannot verify twice.
                try db.execute(
                    sql: "UPDATE verification_codes SET locked = TRUE WHERE purpose = ?",
                    arguments: [purpose]
                )
            } else {
                try db.execute(
                    sql: """
                        UPDATE verification_codes SET attempts = attempts + 1,
                            locked = CASE WHEN attempts + 1 >= ? THEN TRUE ELSE locked END
                        WHERE purpose = ?
                        """,
                    arguments: [maxAttempts, purpose]
                )
            }
            return try SQLRow.fetchOne(
                db,
                sql: "SELECT * FROM verification_codes WHERE purpose = ?",
                arguments: [purpose]
            )
            .map(Self.code)
        }
    }

    /// Upserts `verification_codes` (attempts reset, unlocked), inserts a `code_sends` row and the sealed
    /// `outbox` message in one serialized write.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when `keyOwner` has no key.
    public func replaceCode(
        _ purpose: String,
        keyOwner: String,
        rateSubject: String,
        _ code: VerificationCodeRecord,
        message: OutboxMessage
    ) async throws {
        guard let codec = try await codec(subject: keyOwner) else {
            throw StoreError.invalidValue(field: "code", reason: "no key for \(keyOwner)")
        }
        let sealed = try SealedOutbox(message, codec, at: code.createdAt)
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO verification_codes (purpose, code_hash, created_at, expires_at, attempts, locked, address_index)
                    VALUES (?, ?, ?, ?, 0, FALSE, ?)
                    ON CONFLICT(purpose) DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at,
                        expires_at = excluded.expires_at, attempts = 0, locked = FALSE, address_index = excluded.address_index
                    """,
                arguments: [
                    purpose, Data(code.hash), code.createdAt.storeValue, code.expiresAt.storeValue,
                    Data(code.addressIndex),
                ]
            )
            try db.execute(
                sql: "INSERT INTO code_sends (subject_id, address_index, at) VALUES (?, ?, ?)",
                arguments: [rateSubject, Data(code.addressIndex), code.createdAt.storeValue]
            )
            try sealed.insert(db)
        }
    }

    /// Counts `code_sends` rows since `since` for the subject and for the address token, in one snapshot.
    public func codeSends(
        subject: String,
        addressIndex: [UInt8],
        since: Date
    ) async throws -> (subject: Int, address: Int) {
        let index = Data(addressIndex)
        return try await database.read { db in
            (
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM code_sends WHERE subject_id = ? AND at >= ?",
                    arguments: [subject, since.storeValue]
                ) ?? 0,
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM code_sends WHERE address_index = ? AND at >= ?",
                    arguments: [index, since.storeValue]
                ) ?? 0
            )
        }
    }

    /// Inserts into `request_alerts` (`ON CONFLICT DO NOTHING`), then the message and audit entry, in one
    /// serialized write. Also returns false, raising nothing, when a message is given but the request or its
    /// subject's key is gone.
    public func raiseAlert(_ alert: RequestAlert, message: OutboxMessage?, audit: AuditEvent) async throws -> Bool {
        try faults.check("alert.raise")
        let key = alert.requestID.rawValue
        var sealed: SealedOutbox?
        if let message {
            guard
                let subject = try await database.read({ db in
                    try String.fetchOne(
                        db,
                        sql: "SELECT subject_id FROM privacy_requests WHERE id = ?",
                        arguments: [key]
                    )
                }), let codec = try await codec(subject: subject)
            else { return false }
            sealed = try SealedOutbox(message, codec, at: alert.at)
        }
        let signer = try await auditSigner()
        let toInsert = sealed
        return try await database.write { db in
            try db.execute(
                sql:
                    "INSERT INTO request_alerts (request_id, threshold, level, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [key, alert.threshold, alert.level, alert.at.storeValue]
            )
            guard db.changesCount == 1 else { return false }
            try toInsert?.insert(db)
            try signer.append(audit, db)
            return true
        }
    }

    /// Reads `request_alerts` of the request, oldest first.
    public func alerts(_ id: RequestID) async throws -> [RequestAlert] {
        let key = id.rawValue
        return try await database.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM request_alerts WHERE request_id = ? ORDER BY at",
                arguments: [key]
            )
            .map {
                RequestAlert(
                    requestID: id,
                    threshold: $0["threshold"],
                    level: $0["level"],
                    at: Date(storeValue: $0["at"])
                )
            }
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same value always encodes to the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

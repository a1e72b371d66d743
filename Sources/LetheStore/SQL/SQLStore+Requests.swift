import Foundation
import LetheCore
import LetheCrypto

extension StoreError {
    /// Another actor moved the request first; nothing was applied.
    static func requestMoved(_ id: RequestID, expected: RequestStatus, actual: String) -> StoreError {
        .invalidValue(field: "request \(id)", reason: "is \(actual), not \(expected.rawValue); reload and try again")
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

    /// Reads the request, its events, pauses and link count in one snapshot; after the subject's erasure
    /// free-text reasons read `(erased)` and the requester email is nil.
    public func request(_ id: RequestID) async throws -> StoredRequest? {
        let key = id.rawValue
        struct Columns: Sendable {
            let kind: String, deadlineKind: String, account: String?, subject: String, jurisdiction: String
            let channel: String, agent: String?, received: Double, email: Data?, schedule: String, assignee: String?
            let extensionAt: Double?, extensionReason: Data?, completed: Double?
            let agentPermission: Data?, agentPermissionAt: Double?, confirmedAt: Double?, details: String?
            let correction: Data?, appealOf: String?, grounds: Data?
        }
        let loaded = try await database.read { db -> (Columns, [RequestEventRow], [StoredPause], Int)? in
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
                details: row["details"],
                correction: row["correction"],
                appealOf: row["appeal_of"],
                grounds: row["grounds"]
            )
            let events = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM request_events WHERE request_id = ? ORDER BY id",
                arguments: [key]
            )
            .map(RequestEventRow.init)
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
            return try codec.row(RowReference(id: id.rawValue)).open(data, location)
        }
        let events = try eventRows.map { try $0.open(codec) }
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
            } ?? [:],
            // Shredded with the subject's key: an erased customer's correction is gone, not "(erased)".
            correction: try codec == nil
                ? nil
                : open(columns.correction, EncryptedField.correction).map {
                    try JSONDecoder().decode(Correction.self, from: Data($0.utf8))
                },
            appealOf: columns.appealOf.map(RequestID.init),
            grounds: try open(columns.grounds, EncryptedField.grounds)
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
        let event = try update.event.map { try RequestEventRow(sealing: $0, with: codec) }
        let now = (update.event?.at ?? update.extensionNotice?.sentAt ?? Date()).storeValue
        let messages = try update.messages.compactMap { message in
            try codec.map { try OutboxRow(sealing: message, with: $0, at: Date(storeValue: now)) }
        }
        let schedule = try update.schedule.map { (try Self.encodeSchedule($0.0), $0.0, $0.cause) }
        let extensionReason = try update.extensionNotice.flatMap { notice in
            try codec?.row(RowReference(id: key)).seal(notice.reason, EncryptedField.extensionReason)
        }
        let permission = try update.agentPermission.flatMap { agent in
            try codec.map {
                (
                    try $0.row(RowReference(id: key)).seal(agent.proof, EncryptedField.agentPermission),
                    agent.at.storeValue
                )
            }
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

}

extension JSONEncoder {
    /// Sorted keys, so the same value always encodes to the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

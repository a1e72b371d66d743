import Foundation
import LetheCore
import LetheCrypto

// Intake: a request and everything it starts with, written in one transaction.
extension SQLStore {
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
        // The request row is bound to its id, fixed before it is written.
        let row = try codec.row(RowReference(id: id))
        let email = try row.sealOptional(record.requesterEmail, EncryptedField.requesterEmail)
        let correction = try record.correction.map {
            try row.seal(String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self), EncryptedField.correction)
        }
        let grounds = try row.sealOptional(record.grounds, EncryptedField.grounds)
        let events = try request.events.map { try RequestEventRow(sealing: $0, with: codec) }
        let messages = try record.messages.map { try OutboxRow(sealing: $0, with: codec, at: request.receivedAt) }
        let schedule = try Self.encodeSchedule(record.schedule)
        let details: String? =
            record.consentChanges.isEmpty
            ? nil : String(decoding: try JSONEncoder.sorted.encode(record.consentChanges), as: UTF8.self)
        let consents = try record.consents.map { consent in
            let reference = try RowReference.random()
            return (
                consent,
                try codec.row(reference).sealOptional(consent.sourceDetail, EncryptedField.consentSourceDetail),
                reference.data
            )
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
            // One appeal per refused request: a second one joins the first, whatever its status.
            if let appealed = record.appealOf?.rawValue {
                if let existing = try String.fetchOne(
                    db,
                    sql: "SELECT id FROM privacy_requests WHERE appeal_of = ?",
                    arguments: [appealed]
                ) {
                    try db.execute(
                        sql: "INSERT INTO request_links (request_id, at, channel, idempotency_key) VALUES (?, ?, ?, ?)",
                        arguments: [existing, at, record.channel.rawValue, record.idempotencyKey]
                    )
                    try signer.append(linkAudit(existing), db)
                    return .linked(RequestID(existing))
                }
            } else if let account = request.accountID?.description {
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
                        details, correction, appeal_of, grounds)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, request.kind.rawValue, request.deadlineKind.rawValue, request.accountID?.description, subject,
                    request.jurisdictionID, record.channel.rawValue, record.agentID, request.status.rawValue, at, email,
                    record.idempotencyKey, record.schedule.binding.due.description,
                    record.schedule.internalTarget.description,
                    schedule, at, details, correction, record.appealOf?.rawValue, grounds,
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
    static func insertIntakeEffects(
        _ db: any SQLSession,
        _ record: NewRequestRecord,
        consents: [(ConsentRecord, Data?, Data)]
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
            for (consent, detail, reference) in consents {
                try db.execute(
                    sql: """
                        INSERT INTO consents (
                            account_id, purpose, granted, source, source_detail, notice_version, at, seal_ref)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        account, consent.purpose, consent.granted, consent.source, detail, consent.noticeVersion,
                        consent.at.storeValue, reference,
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
}

import Foundation
import LetheCrypto

/// The audit chain: each entry's MAC, under a key derived from the master key, covers the previous
/// entry's MAC and the entry's own content, so editing, deleting or reordering any entry breaks every
/// MAC after it.
enum AuditChain {
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// `LP`-encoded canonical content; instants in whole milliseconds so they round-trip exactly.
    static func content(seq: Int64, _ event: AuditEvent, keyVersion: UInt32) -> [UInt8] {
        var bytes = Array("lethe/audit/v1".utf8)
        for part in [
            String(seq), String(Int64((event.at.timeIntervalSince1970 * 1000).rounded())), event.actor, event.action,
            event.subjectType, event.subjectID, event.fields.joined(separator: ","), event.reason ?? "",
            String(keyVersion),
        ] {
            let utf8 = Array(part.utf8)
            let n = UInt32(utf8.count)
            bytes += [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
            bytes += utf8
        }
        return bytes
    }

    static func mac(key: SecretBytes, previous: [UInt8], content: [UInt8]) throws -> [UInt8] {
        try HMACSHA256(key: key).authenticate(previous + content)
    }

    /// Authenticates the purged prefix's last entry, so verification can start after it and a forged
    /// or moved checkpoint is caught.
    static func checkpointMAC(key: SecretBytes, seq: Int64, digest: [UInt8], keyVersion: UInt32) throws -> [UInt8] {
        try HMACSHA256(key: key).authenticate(
            Array("lethe/audit-checkpoint/v1|\(seq)|\(keyVersion)|".utf8) + digest
        )
    }
}

/// Appends to the chain inside whatever write transaction the caller holds, so an action and its
/// audit entry commit together.
struct AuditSigner: Sendable {
    let version: UInt32
    let key: SecretBytes

    @discardableResult
    func append(_ event: AuditEvent, _ db: any SQLSession) throws -> Int64 {
        // Round to the stored precision first, so the MAC covers exactly what is stored.
        let at = Date(timeIntervalSince1970: (event.at.timeIntervalSince1970 * 1000).rounded() / 1000)
        let stored = AuditEvent(
            at: at,
            actor: event.actor,
            action: event.action,
            subjectType: event.subjectType,
            subjectID: event.subjectID,
            fields: event.fields,
            reason: event.reason
        )
        // After a purge of every entry, the chain continues from the checkpoint, never from the start.
        let last =
            try SQLRow.fetchOne(db, sql: "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
            ?? SQLRow.fetchOne(db, sql: "SELECT seq, digest AS mac FROM audit_checkpoint WHERE id = 1")
        let seq = (last?["seq"] as Int64? ?? 0) + 1
        let previous = last.map { Array($0["mac"] as Data) } ?? AuditChain.genesis
        let mac = try AuditChain.mac(
            key: key,
            previous: previous,
            content: AuditChain.content(seq: seq, stored, keyVersion: version)
        )
        try db.execute(
            sql: """
                INSERT INTO audit_log (seq, at, actor, action, subject_type, subject_id, fields, reason, key_version,
                    prev_digest, mac)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                seq, stored.at.timeIntervalSince1970, stored.actor, stored.action, stored.subjectType, stored.subjectID,
                stored.fields.joined(separator: ","), stored.reason, Int64(version), Data(previous), Data(mac),
            ]
        )
        return seq
    }
}

extension SQLStore {
    @discardableResult
    public func appendAudit(_ event: AuditEvent) async throws -> Int64 {
        let signer = try await auditSigner()
        let stored = try await sealingReason(event)
        return try await database.write { db in try signer.append(stored, db) }
    }

    /// Marks a reason stored sealed; the MAC covers this stored form, so the chain verifies after erasure.
    static let sealedReasonPrefix = "sealed:"

    private func sealingReason(_ event: AuditEvent) async throws -> AuditEvent {
        guard event.subjectType == "account", let reason = event.reason,
            let codec = try await codec(subject: event.subjectID)
        else { return event }
        let sealed = try codec.seal(reason, EncryptedField.auditReason)
        return AuditEvent(
            at: event.at,
            actor: event.actor,
            action: event.action,
            subjectType: event.subjectType,
            subjectID: event.subjectID,
            fields: event.fields,
            reason: Self.sealedReasonPrefix + sealed.base64EncodedString()
        )
    }

    public func auditReason(_ entry: AuditEntry) async throws -> String? {
        guard let reason = entry.event.reason, reason.hasPrefix(Self.sealedReasonPrefix) else {
            return entry.event.reason
        }
        guard let sealed = Data(base64Encoded: String(reason.dropFirst(Self.sealedReasonPrefix.count))),
            let codec = try await codec(subject: entry.event.subjectID)
        else { return "(reason erased with the customer's key)" }
        return try codec.open(sealed, EncryptedField.auditReason)
    }

    /// The current audit key, fetched before a write transaction so that the append itself is synchronous.
    func auditSigner() async throws -> AuditSigner {
        let (version, key) = try await vault.auditKey()
        return AuditSigner(version: version, key: key)
    }

    public func auditEntries(subjectType: String?, subjectID: String?) async throws -> [AuditEntry] {
        var sql = "SELECT * FROM audit_log"
        var arguments: [(any SQLBindable)?] = []
        if let subjectType, let subjectID {
            sql += " WHERE subject_type = ? AND subject_id = ?"
            arguments = [subjectType, subjectID]
        }
        sql += " ORDER BY seq"
        let bound = SQLArguments(arguments)
        let query = sql
        return try await database.read { db in
            try SQLRow.fetchAll(db, sql: query, arguments: bound).map(Self.entry)
        }
    }

    static func entry(_ row: SQLRow) -> AuditEntry {
        let fields = row["fields"] as String
        return AuditEntry(
            seq: row["seq"],
            event: AuditEvent(
                at: Date(timeIntervalSince1970: row["at"]),
                actor: row["actor"],
                action: row["action"],
                subjectType: row["subject_type"],
                subjectID: row["subject_id"],
                fields: fields.isEmpty ? [] : fields.split(separator: ",").map(String.init),
                reason: row["reason"]
            ),
            keyVersion: UInt32(row["key_version"] as Int64),
            previousDigest: Array(row["prev_digest"] as Data),
            mac: Array(row["mac"] as Data)
        )
    }

    public func firstBrokenAuditEntry() async throws -> Int64? {
        let (entries, checkpoint) = try await database.read { db in
            (
                try SQLRow.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq").map(Self.entry),
                try Self.auditCheckpointRow(db)
            )
        }
        var previous = AuditChain.genesis
        var expectedSeq: Int64 = 1
        if let (point, version, mac) = checkpoint {
            // The purged prefix is vouched for by the checkpoint's own MAC; the chain resumes after it.
            let (_, key) = try await vault.auditKey(version: version)
            let expected = try AuditChain.checkpointMAC(
                key: key,
                seq: point.seq,
                digest: point.digest,
                keyVersion: version
            )
            guard ConstantTime.equals(expected, mac) else { return entries.first?.seq ?? point.seq + 1 }
            previous = point.digest
            expectedSeq = point.seq + 1
        }
        for entry in entries {
            let (_, key) = try await vault.auditKey(version: entry.keyVersion)
            let expected = try AuditChain.mac(
                key: key,
                previous: previous,
                content: AuditChain.content(seq: entry.seq, entry.event, keyVersion: entry.keyVersion)
            )
            guard entry.seq == expectedSeq, entry.previousDigest == previous, ConstantTime.equals(expected, entry.mac)
            else { return entry.seq }
            previous = entry.mac
            expectedSeq += 1
        }
        return nil
    }
}

import Foundation
import LetheCore
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

    /// Authenticates the chain's head (its last sequence number and MAC), kept apart from the entries so
    /// that deleting the newest entries, or every entry, is detected rather than read as a shorter chain.
    static func headMAC(key: SecretBytes, seq: Int64, mac: [UInt8], keyVersion: UInt32) throws -> [UInt8] {
        try HMACSHA256(key: key).authenticate(Array("lethe/audit-head/v1|\(seq)|\(keyVersion)|".utf8) + mac)
    }

    /// Moves the head to `seq`/`mac`, MACed under the audit key, in the caller's transaction.
    static func writeHead(_ db: any SQLSession, seq: Int64, mac: [UInt8], key: SecretBytes, version: UInt32) throws {
        let headMAC = try headMAC(key: key, seq: seq, mac: mac, keyVersion: version)
        try db.execute(
            sql: """
                INSERT INTO audit_head (id, seq, mac, key_version, head_mac) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac,
                    key_version = excluded.key_version, head_mac = excluded.head_mac
                """,
            arguments: [seq, Data(mac), Int64(version), Data(headMAC)]
        )
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
        // The MAC covers the bytes given; a NUL would be cut by some readers, so the stored value would
        // differ from what the MAC covered. Ids with control characters are refused at every entry point
        // before they get here; this is the last line.
        let texts = [event.actor, event.action, event.subjectType, event.subjectID, event.reason ?? ""] + event.fields
        if texts.contains(where: { $0.unicodeScalars.contains("\u{0}") }) {
            throw StoreError.invalidValue(field: "audit entry", reason: "must not contain NUL characters")
        }
        if [event.actor, event.action, event.subjectType, event.subjectID].contains(where: \.containsControlCharacter) {
            throw StoreError.invalidValue(field: "audit entry", reason: "ids must not contain control characters")
        }
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
        // The chain continues from its anchored head, so entries deleted from its end stay missing (and
        // verification names them) instead of being papered over by the next append. Before the head
        // existed, and after a purge of every entry, it continues from the last entry or the checkpoint.
        let last =
            try SQLRow.fetchOne(db, sql: "SELECT seq, mac FROM audit_head WHERE id = 1")
            ?? SQLRow.fetchOne(db, sql: "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
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
        try AuditChain.writeHead(db, seq: seq, mac: mac, key: key, version: version)
        return seq
    }
}

extension SQLStore {
    /// Seals the reason of an entry about an account (when its key exists) under that key, then appends
    /// to `audit_log` and moves `audit_head` in one serialized write.
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
        // Unbound on purpose: the entry's MAC covers this stored form, which binds it to its entry.
        let sealed = try codec.sealUnbound(reason, EncryptedField.auditReason)
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

    /// Opens a `sealed:` reason under the subject's key; returns a placeholder once the key is gone, and
    /// any other reason as stored.
    public func auditReason(_ entry: AuditEntry) async throws -> String? {
        guard let reason = entry.event.reason, reason.hasPrefix(Self.sealedReasonPrefix) else {
            return entry.event.reason
        }
        guard let sealed = Data(base64Encoded: String(reason.dropFirst(Self.sealedReasonPrefix.count))),
            let codec = try await codec(subject: entry.event.subjectID)
        else { return "(reason erased with the customer's key)" }
        return try codec.openUnbound(sealed, EncryptedField.auditReason)
    }

    /// The current audit key, fetched before a write transaction so that the append itself is synchronous.
    func auditSigner() async throws -> AuditSigner {
        let (version, key) = try await vault.auditKey()
        return AuditSigner(version: version, key: key)
    }

    /// Reads `audit_log` in sequence order; filters only when both `subjectType` and `subjectID` are given.
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

    /// Reads `audit_log`, `audit_checkpoint` and `audit_head` in one snapshot and verifies each MAC under
    /// the audit key of the version that made it.
    public func firstBrokenAuditEntry() async throws -> Int64? {
        let (entries, checkpoint, head) = try await database.read { db in
            (
                try SQLRow.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq").map(Self.entry),
                try Self.auditCheckpointRow(db),
                try Self.auditHeadRow(db)
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
        var lastSeq = expectedSeq - 1
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
            lastSeq = entry.seq
            expectedSeq += 1
        }
        // The anchored head must be exactly where the chain ends: an end short of it means the newest
        // entries were deleted (the first missing one is reported), a forged head fails its own MAC.
        guard let head else { return entries.isEmpty && checkpoint == nil ? nil : lastSeq + 1 }
        let (_, headKey) = try await vault.auditKey(version: head.keyVersion)
        let expectedHead = try AuditChain.headMAC(
            key: headKey,
            seq: head.head.seq,
            mac: head.head.mac,
            keyVersion: head.keyVersion
        )
        guard ConstantTime.equals(expectedHead, head.headMAC) else { return lastSeq + 1 }
        guard head.head.seq == lastSeq, head.head.mac == previous else { return lastSeq + 1 }
        return nil
    }

    /// Re-MACs the whole audit trail (entries, checkpoint and head) under the primary master version's
    /// audit key, so that an older version can be retired without leaving the trail unverifiable. The
    /// chain is verified under its current keys first, in the same transaction that rewrites it: a
    /// broken chain is never blessed with fresh MACs. Entry contents and sequence numbers do not change;
    /// the purged prefix's digest stays as it was (nothing is left to recompute it from), vouched for by
    /// the checkpoint's new MAC. Returns the number of entries re-MACed.
    ///
    /// - Throws: `StoreError.invalidValue(field:reason:)` when the chain does not verify.
    public func reMACAuditTrail() async throws -> Int {
        guard try await firstBrokenAuditEntry() == nil else {
            throw StoreError.invalidValue(field: "audit trail", reason: "the chain does not verify; it is not re-MACed")
        }
        let signer = try await auditSigner()
        return try await database.write { db in
            var previous = AuditChain.genesis
            if let (point, _, _) = try Self.auditCheckpointRow(db) {
                previous = point.digest
                let mac = try AuditChain.checkpointMAC(
                    key: signer.key,
                    seq: point.seq,
                    digest: point.digest,
                    keyVersion: signer.version
                )
                try db.execute(
                    sql: "UPDATE audit_checkpoint SET key_version = ?, mac = ? WHERE id = 1",
                    arguments: [Int64(signer.version), Data(mac)]
                )
            }
            let entries = try SQLRow.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq").map(Self.entry)
            var lastSeq: Int64?
            for entry in entries {
                let mac = try AuditChain.mac(
                    key: signer.key,
                    previous: previous,
                    content: AuditChain.content(seq: entry.seq, entry.event, keyVersion: signer.version)
                )
                try db.execute(
                    sql: "UPDATE audit_log SET key_version = ?, prev_digest = ?, mac = ? WHERE seq = ?",
                    arguments: [Int64(signer.version), Data(previous), Data(mac), entry.seq]
                )
                previous = mac
                lastSeq = entry.seq
            }
            let checkpointSeq = try Self.auditCheckpointRow(db)?.checkpoint.seq
            if let seq = lastSeq ?? checkpointSeq {
                try AuditChain.writeHead(db, seq: seq, mac: previous, key: signer.key, version: signer.version)
            }
            return entries.count
        }
    }

    /// The anchored head of the audit chain: the sequence number and MAC of its newest entry. An outside
    /// system that records it (it is exported in `/metrics` and printed by `lethe audit verify`) can later
    /// prove that entries were rolled back even by someone who also rewrote the head.
    public func auditHead() async throws -> AuditHead? {
        try await database.read { db in try Self.auditHeadRow(db) }?.head
    }

    static func auditHeadRow(_ db: any SQLSession) throws -> (head: AuditHead, keyVersion: UInt32, headMAC: [UInt8])? {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM audit_head WHERE id = 1") else { return nil }
        return (
            AuditHead(seq: row["seq"], mac: Array(row["mac"] as Data)),
            UInt32(row["key_version"] as Int64),
            Array(row["head_mac"] as Data)
        )
    }

    /// Anchors a chain written before heads existed: its current last entry becomes the head. Does nothing
    /// when a head exists or the chain is empty. Called when a deployment opens, so an upgraded store
    /// verifies at once and every later truncation is detected.
    public func anchorAuditHeadIfMissing() async throws {
        let signer = try await auditSigner()
        try await database.write { db in
            guard try SQLRow.fetchOne(db, sql: "SELECT id FROM audit_head WHERE id = 1") == nil,
                let last =
                    try SQLRow.fetchOne(db, sql: "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
                    ?? SQLRow.fetchOne(db, sql: "SELECT seq, digest AS mac FROM audit_checkpoint WHERE id = 1")
            else { return }
            try AuditChain.writeHead(
                db,
                seq: last["seq"],
                mac: Array(last["mac"] as Data),
                key: signer.key,
                version: signer.version
            )
        }
    }
}

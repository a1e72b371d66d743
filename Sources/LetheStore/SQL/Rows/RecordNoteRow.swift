import Foundation
import LetheCore

/// One `record_notes` row: read, or sealed from a note; the reason is ciphertext, the verification
/// evidence and field names are not (they are what a supervisor reviews without decrypting).
struct RecordNoteRow: Sendable {
    /// The row id; nil until the row is inserted.
    var id: Int64?
    let account: String
    let at: Double
    let author: String
    let changedFields: String
    let reason: Data
    let reference: String?
    let method: String?
    let verifiedBy: String?
    let verifiedAt: Double?
    /// The row's ``RowReference``, drawn when the note is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        id = row["id"]
        sealRef = row["seal_ref"]
        account = row["account_id"]
        at = row["at"]
        author = row["author"]
        changedFields = row["changed_fields"]
        reason = row["reason"]
        reference = row["reference"]
        method = row["verification_method"]
        verifiedBy = row["verified_by"]
        verifiedAt = row["verified_at"]
    }

    init(sealing note: RecordNote, with customer: FieldCodec) throws {
        let row = try RowReference.random()
        let codec = customer.row(row)
        sealRef = row.data
        account = note.accountID.description
        at = note.at.storeValue
        author = note.author
        changedFields = note.changedFields.joined(separator: ",")
        reason = try codec.seal(note.reason, EncryptedField.noteReason)
        reference = note.reference
        method = note.verification?.method.rawValue
        verifiedBy = note.verification?.verifiedBy
        verifiedAt = note.verification?.verifiedAt.storeValue
    }

    func insert(_ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO record_notes (account_id, at, author, changed_fields, reason, reference,
                    verification_method, verified_by, verified_at, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                account, at, author, changedFields, reason, reference, method, verifiedBy, verifiedAt, sealRef,
            ]
        )
    }

    func open(_ customer: FieldCodec) throws -> RecordNote {
        let codec = customer.row(try RowReference.stored(sealRef))
        var evidence: VerificationEvidence?
        if let method = method.flatMap(VerificationMethod.init(rawValue:)), let verifiedBy, let verifiedAt {
            evidence = VerificationEvidence(
                method: method,
                verifiedBy: verifiedBy,
                verifiedAt: Date(storeValue: verifiedAt)
            )
        }
        return RecordNote(
            id: id ?? 0,
            accountID: try AccountID(account),
            at: Date(storeValue: at),
            author: author,
            changedFields: changedFields.split(separator: ",").map(String.init),
            reason: try codec.open(reason, EncryptedField.noteReason),
            reference: reference,
            verification: evidence
        )
    }
}

import Foundation
import LetheCore

/// One `request_events` row: read, or written from a lifecycle event with its free-text reason sealed.
struct RequestEventRow: Sendable {
    let request: String
    let at: Double
    let from: String
    let to: String
    let actor: String
    let reason: Data?
    let denial: String?
    /// The row's ``RowReference``, drawn when the event is written.
    let sealRef: Data?

    init(_ row: SQLRow) {
        sealRef = row["seal_ref"]
        request = row["request_id"]
        at = row["at"]
        from = row["from_status"]
        to = row["to_status"]
        actor = row["actor"]
        reason = row["reason"]
        denial = row["denial_reason"]
    }

    /// Without a codec (the subject was erased), the free-text reason is not kept, but that there was
    /// one is: a marker takes its place, so the record replays (a cancellation or an extension needs a
    /// reason) and reads as "(erased)" for the record's whole retention.
    init(sealing event: LifecycleEvent, with customer: FieldCodec?) throws {
        let reference = try RowReference.random()
        let codec = customer?.row(reference)
        sealRef = reference.data
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
                INSERT INTO request_events (
                    request_id, at, from_status, to_status, actor, reason, denial_reason, seal_ref)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [request, at, from, to, actor, reason, denial, sealRef]
        )
    }

    /// The event, its reason opened under the subject's key; "(erased)" once that key is gone.
    /// - Throws: `StoreError.invalidValue(field:reason:)` for a row that is not readable; `CryptoError`
    ///   when a reason fails to open.
    func open(_ codec: FieldCodec?) throws -> LifecycleEvent {
        let id = RequestID(request)
        guard let fromStatus = RequestStatus(rawValue: from), let toStatus = RequestStatus(rawValue: to),
            let who = Actor(stored: actor)
        else { throw StoreError.invalidValue(field: "request \(id)", reason: "stored event is not readable") }
        let text: String?
        if let reason {
            // The marker is checked first: another process may still hold the erased key in its cache,
            // and the marker is no ciphertext for it to open.
            if let codec, reason != SQLStore.erasedReasonMarker {
                text = try codec.row(try RowReference.stored(sealRef)).open(reason, EncryptedField.requestEventReason)
            } else {
                text = "(erased)"
            }
        } else {
            // Rows written before the marker existed hold NULL where a reason was given after erasure;
            // the transitions that need a reason are read as having one, so the record still replays.
            text = codec == nil && [.cancelled, .extended, .denied].contains(toStatus) ? "(erased)" : nil
        }
        return LifecycleEvent(
            requestID: id,
            from: fromStatus,
            to: toStatus,
            actor: who,
            at: Date(storeValue: at),
            reason: text,
            denialReason: denial.flatMap(DenialReason.init(rawValue:))
        )
    }
}

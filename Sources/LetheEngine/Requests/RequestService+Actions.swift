import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// Officer actions: each one lifecycle move, validated by the state machine, evidenced and audited.
extension RequestService {
    /// Starts the work: the request moves to in progress and its processing job is queued.
    /// - Throws: ``RequestError/notFound(_:)``, ``RequestError/illegal(_:)`` unless the request is verified
    ///   or extended; `StoreError` when another actor moved it first (reload and retry) or the store fails.
    @discardableResult
    public func approve(_ id: RequestID, by officer: String) async throws -> StoredRequest {
        let stored = try await load(id)
        try await requireIndependentDecider(stored, .staff(officer))
        let job = NewJob(
            .process(stored.request.kind, id),
            dedupeKey: "process:\(id.rawValue)",
            runAt: clock.now()
        )
        return try await move(
            stored,
            to: .inProgress,
            actor: .staff(officer),
            reason: "approved for processing",
            jobs: [job]
        )
    }

    /// Completes the request and tells the customer (unless `notify` is false: after an erasure the
    /// customer was told before their address went, and nothing can be sent any more).
    /// - Throws: ``RequestError/notFound(_:)``, ``RequestError/illegal(_:)`` when the lifecycle does not
    ///   allow completion; `StoreError` when another actor moved it first or the store fails.
    @discardableResult
    public func complete(
        _ id: RequestID,
        by actor: Actor,
        summary: String,
        notify: Bool = true
    ) async throws -> StoredRequest {
        let stored = try await load(id)
        try await requireIndependentDecider(stored, actor)
        let message = stored.requesterEmail.flatMap { email in notify ? email : nil }.map {
            OutboxMessage(
                .requestCompleted(request: id, kind: stored.request.kind, summary: summary),
                accountID: stored.request.accountID,
                recipient: $0
            )
        }
        return try await move(
            stored,
            to: .completed,
            actor: actor,
            reason: summary,
            messages: message.map { [$0] } ?? [],
            completed: true
        )
    }

    /// Refuses the request with its legal basis, the reason, and the customer's right to complain.
    /// - Throws: ``RequestError/reasonRequired(_:)`` without a reason, ``RequestError/notFound(_:)``,
    ///   ``RequestError/illegal(_:)`` for a finished request; `StoreError` from the store.
    @discardableResult
    public func deny(
        _ id: RequestID,
        basis: DenialReason,
        reason: String,
        by actor: Actor
    ) async throws -> StoredRequest {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw RequestError.reasonRequired("a denial") }
        let stored = try await load(id)
        try await requireIndependentDecider(stored, actor)
        let authority = policies.jurisdictions[stored.request.jurisdictionID]?.authority
        let message = stored.requesterEmail.map {
            OutboxMessage(
                .requestDenied(
                    request: id,
                    basis: basis,
                    reason: why,
                    complainTo: authority?.name ?? "",
                    complainAt: authority?.url ?? ""
                ),
                accountID: stored.request.accountID,
                recipient: $0
            )
        }
        return try await move(
            stored,
            to: .denied,
            actor: actor,
            reason: why,
            denial: basis,
            messages: message.map { [$0] } ?? [],
            completed: true
        )
    }

    /// Extends the response period: valid only with a reason and inside the first period (the engine checks).
    /// - Throws: ``RequestError/reasonRequired(_:)``, ``RequestError/deadline(_:)`` when the law allows no
    ///   extension now, ``RequestError/illegal(_:)`` for a status that cannot be extended; `StoreError`.
    @discardableResult
    public func extend(_ id: RequestID, reason: String, by officer: String) async throws -> StoredRequest {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw RequestError.reasonRequired("an extension") }
        let stored = try await load(id)
        // The law allows one extension, counted from the original start: a second would only repeat the
        // notice (and the lifecycle lets an extended request go back to in progress).
        if let given = stored.extensionNotice {
            throw RequestError.illegal(
                "request \(id) was extended on \(LocalDate(instant: given.sentAt, in: TimeZone(identifier: stored.schedule.timeZone) ?? .current)); the law allows one extension"
            )
        }
        let notice = ExtensionNotice(sentAt: clock.now(), reason: why)
        let schedule = try recompute(stored, notice: notice, pauses: closedPauses(stored))
        guard let extended = schedule.extended else { throw RequestError.deadline("no extension was granted") }
        let message = stored.requesterEmail.map {
            OutboxMessage(
                .extensionNotice(request: id, reason: why, respondBy: extended.due),
                accountID: stored.request.accountID,
                recipient: $0
            )
        }
        return try await move(
            stored,
            to: .extended,
            actor: .staff(officer),
            reason: why,
            schedule: (schedule, "extended to \(extended.due): \(extended.citation)"),
            extensionNotice: notice,
            messages: message.map { [$0] } ?? []
        )
    }

    /// Stops the clock where the law allows it (clarification, identity, fee).
    /// - Throws: ``RequestError/alreadyPaused``, ``RequestError/deadline(_:)`` when the jurisdiction does
    ///   not allow this pause, ``RequestError/notFound(_:)``; `StoreError` from the store.
    @discardableResult
    public func pause(_ id: RequestID, reason: PauseReason, by officer: String) async throws -> StoredRequest {
        let stored = try await load(id)
        try Self.requireOpen(stored)
        guard !stored.pauses.contains(where: { $0.to == nil }) else { throw RequestError.alreadyPaused }
        let today = today(for: stored)
        // Check with the engine now that this regime allows this pause, rather than at resume.
        _ = try recompute(
            stored,
            notice: stored.extensionNotice,
            pauses: closedPauses(stored) + [ClockPause(from: today, to: today, reason: reason)]
        )
        try await store.updateRequest(
            id,
            expecting: stored.request.status,
            RequestUpdate(
                startPause: (today, reason),
                audit: [
                    AuditEvent(
                        at: clock.now(),
                        actor: Actor.staff(officer).description,
                        action: "request.clock-stopped",
                        subjectType: "request",
                        subjectID: id.rawValue,
                        fields: [reason.rawValue]
                    )
                ]
            )
        )
        var updated = stored
        updated.pauses.append(StoredPause(from: today, reason: reason))
        return updated
    }

    /// Restarts the clock; every deadline moves by the paused days (both ends counted).
    /// - Throws: ``RequestError/notPaused``, ``RequestError/notFound(_:)``, ``RequestError/deadline(_:)``;
    ///   `StoreError` from the store.
    @discardableResult
    public func resume(_ id: RequestID, by officer: String) async throws -> StoredRequest {
        let stored = try await load(id)
        try Self.requireOpen(stored)
        guard let open = stored.pauses.first(where: { $0.to == nil }) else { throw RequestError.notPaused }
        let today = today(for: stored)
        let pauses = closedPauses(stored) + [ClockPause(from: open.from, to: today, reason: open.reason)]
        let schedule = try recompute(stored, notice: stored.extensionNotice, pauses: pauses)
        try await store.updateRequest(
            id,
            expecting: stored.request.status,
            RequestUpdate(
                schedule: (schedule, "clock restarted: \(schedule.pausedDays) days paused"),
                endPause: today,
                audit: [
                    AuditEvent(
                        at: clock.now(),
                        actor: Actor.staff(officer).description,
                        action: "request.clock-restarted",
                        subjectType: "request",
                        subjectID: id.rawValue,
                        fields: [open.reason.rawValue]
                    )
                ]
            )
        )
        var updated = stored
        updated.schedule = schedule.withoutExtensionReason
        updated.pauses = stored.pauses.map {
            $0.to == nil ? StoredPause(from: $0.from, to: today, reason: $0.reason) : $0
        }
        return updated
    }

    /// Withdraws the request at the requester's wish (or their agent's). A deletion cancelled inside its
    /// grace period gives the account back as it was, and the scheduled erasure then does nothing.
    ///
    /// - Throws: ``RequestError/reasonRequired(_:)``, ``RequestError/notFound(_:)``,
    ///   ``RequestError/illegal(_:)`` for a finished request; `StoreError` from the store.
    @discardableResult
    public func cancel(_ id: RequestID, reason: String, by actor: Actor) async throws -> StoredRequest {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw RequestError.reasonRequired("a cancellation") }
        let stored = try await load(id)
        let updated = try await move(stored, to: .cancelled, actor: actor, reason: why, completed: true)
        // Cancelling a deletion inside its grace period gives the account back exactly as it was.
        if stored.request.kind == .deletion, let account = stored.request.accountID,
            let current = try await store.account(account), current.status == .pendingDeletion
        {
            try await store.changeStatus(
                account,
                to: .active,
                for: id,
                by: actor.description,
                reason: "Deletion \(id) cancelled within the grace period",
                at: clock.now()
            )
        }
        return updated
    }

    /// Makes `officer` answerable for the request; audited under the supervisor who assigned it.
    ///
    /// - Throws: ``RequestError/notFound(_:)``; `StoreError` when another actor moved the request first
    ///   or the store fails.
    @discardableResult
    public func assign(_ id: RequestID, to officer: String, by supervisor: String) async throws -> StoredRequest {
        let stored = try await load(id)
        try Self.requireOpen(stored)
        try await store.updateRequest(
            id,
            expecting: stored.request.status,
            RequestUpdate(
                assignee: officer,
                audit: [
                    AuditEvent(
                        at: clock.now(),
                        actor: Actor.staff(supervisor).description,
                        action: "request.assigned",
                        subjectType: "request",
                        subjectID: id.rawValue,
                        fields: [officer]
                    )
                ]
            )
        )
        var updated = stored
        updated.assignee = officer
        return updated
    }

    /// Puts a request in the supervisor queue (assignee `supervisors`) with an alert saying why, once.
    func toSupervisors(_ id: RequestID, threshold: String, reason: String) async throws {
        let stored = try await load(id)
        let raised = SupervisorAlert(request: id, threshold: threshold, reason: reason, at: clock.now())
        try await store.updateRequest(
            id,
            expecting: stored.request.status,
            RequestUpdate(assignee: SupervisorAlert.assignee)
        )
        _ = try await store.raiseAlert(raised.alert, message: raised.notice, audit: raised.audit)
        logger.notice("request sent to the supervisor queue", metadata: ["request": "\(id)", "why": "\(threshold)"])
    }

    /// Clock stops, restarts and assignments are for open requests: a closed one's record is final.
    /// - Throws: ``RequestError/illegal(_:)`` when the request is completed, denied or cancelled.
    static func requireOpen(_ stored: StoredRequest) throws {
        guard !stored.request.status.isTerminal else {
            throw RequestError.illegal(
                "request \(stored.request.id) is \(stored.request.status.rawValue); its record is final"
            )
        }
    }
}

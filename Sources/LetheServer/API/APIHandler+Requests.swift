import Foundation
import LetheCore
import LetheEngine

extension APIHandler {
    /// `GET /api/v1/requests` (needs `read-requests`): the queue, open requests unless asked otherwise,
    /// filtered by status, kind, jurisdiction, assignee or account.
    func listRequests(_ input: Operations.ListRequests.Input) async throws -> Operations.ListRequests.Output {
        _ = try Caller.require(.readRequests)
        let q = input.query
        var query = RequestQuery(limit: q.limit ?? 100)
        guard (1...1000).contains(query.limit) else { throw Problem.badRequest("limit must be 1 to 1000") }
        if let status = q.status {
            query.statuses = RequestStatus(rawValue: status.rawValue).map { [$0] }
        } else if q.includeFinished != true {
            query.statuses = RequestQuery.open
        }
        query.kind = q.kind.flatMap { RequestKind(rawValue: $0.rawValue) }
        if let jurisdiction = q.jurisdiction, runtime.policies.jurisdictions[jurisdiction] == nil {
            throw Problem.badRequest("unknown jurisdiction '\(jurisdiction)' (see lethe policies list)")
        }
        query.jurisdiction = q.jurisdiction
        query.assignee = q.assignee
        query.accountID = try q.account.map(accountID)
        let rows = try await requests.list(query)
        let today = self.today
        return .ok(
            .init(
                body: .json(.init(asOf: today.description, requests: rows.map { Self.summary($0, today: today) }))
            )
        )
    }

    /// `POST /api/v1/requests` (needs `submit-requests`): records a request, idempotent under the
    /// `Idempotency-Key` header, and answers with its statutory deadlines.
    func submitRequest(_ input: Operations.SubmitRequest.Input) async throws -> Operations.SubmitRequest.Output {
        let caller = try Caller.require(.submitRequests)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        guard let kind = RequestKind(rawValue: body.kind.rawValue) else { throw Problem.badRequest("unknown kind") }
        let channel = body.channel.flatMap { RequestChannel(rawValue: $0.rawValue) } ?? .agent
        let submission = RequestSubmission(
            kind: kind,
            deadlineKind: body.deadlineKind.flatMap { DeadlineKind(rawValue: $0.rawValue) },
            accountID: try body.account.map(accountID),
            email: body.email,
            channel: channel,
            receivedAt: body.receivedAt,
            jurisdiction: body.jurisdiction,
            idempotencyKey: input.headers.idempotencyKey,
            agentID: body.authorizedAgent,
            consentChanges: body.consentChanges?.additionalProperties ?? [:],
            correction: try body.correction.map(Self.correction),
            appealOf: body.appealOf.map(RequestID.init),
            grounds: body.grounds,
            submittedBy: .staff(caller.actorName)
        )
        // submit() commits before it returns: the answer below is only sent for a durable request.
        let receipt = try await act { try await requests.submit(submission) }
        let outcome: Components.Schemas.IntakeReceipt.OutcomePayload
        switch receipt.outcome {
        case .created: outcome = .created
        case .repeated: outcome = .repeated
        case .linked: outcome = .linked
        }
        return .created(
            .init(
                body: .json(
                    .init(
                        id: receipt.outcome.requestID.rawValue,
                        outcome: outcome,
                        status: .init(rawValue: receipt.status.rawValue) ?? .received,
                        schedule: Self.schedule(receipt.schedule)
                    )
                )
            )
        )
    }

    /// `GET /api/v1/requests/{id}` (needs `read-requests`): the request's deadlines, timeline, deadline
    /// history, clock stops and alerts.
    func showRequest(_ input: Operations.ShowRequest.Input) async throws -> Operations.ShowRequest.Output {
        _ = try Caller.require(.readRequests)
        let id = try requestID(input.path.id)
        let dossier = try await requests.dossier(id)
        let stored = dossier.stored
        let request = stored.request
        let timeline = request.events.map { event in
            Components.Schemas.TimelineEvent(
                at: event.at,
                from: .init(rawValue: event.from.rawValue) ?? .received,
                to: .init(rawValue: event.to.rawValue) ?? .received,
                actor: event.actor.description,
                reason: event.reason,
                denialBasis: event.denialReason.flatMap { .init(rawValue: $0.rawValue) }
            )
        }
        let detail = Components.Schemas.RequestDetail(
            request: Self.summary(stored, today: today),
            deadlineKind: .init(rawValue: request.deadlineKind.rawValue) ?? .access,
            authorizedAgent: stored.agentID,
            correction: stored.correction.map(Self.correction),
            appealOf: stored.appealOf?.rawValue,
            appeal: dossier.appeal?.rawValue,
            grounds: stored.grounds,
            schedule: Self.schedule(stored.schedule),
            timeline: timeline,
            deadlineHistory: dossier.history.map {
                .init(at: $0.at, respondBy: ($0.extendedDue ?? $0.responseDue).description, cause: $0.cause)
            },
            pauses: stored.pauses.map {
                .init(from: $0.from.description, to: $0.to?.description, reason: $0.reason.rawValue)
            },
            alerts: dossier.alerts.map {
                .init(at: $0.at, threshold: Int($0.threshold.filter(\.isNumber)) ?? 0, level: $0.level)
            },
            acknowledgement: Self.acknowledgement(dossier.acknowledgement)
        )
        return .ok(.init(body: .json(detail)))
    }

    /// The correction as sent: the value its field needs, or a 400 naming what is missing. The engine
    /// checks and normalises the value itself.
    static func correction(_ given: Components.Schemas.Correction) throws -> Correction {
        let value: Correction.Value
        guard let field = CorrectableField(rawValue: given.field.rawValue) else {
            throw Problem.badRequest("correction.field is not a field Lethe corrects")
        }
        if field != .address {
            guard let text = given.value, given.address == nil, given.addressId == nil,
                let oneLine = Correction.Value(field, text: text)
            else {
                throw Problem.badRequest("correction.value is required for \(given.field.rawValue), and only it")
            }
            value = oneLine
        } else {
            guard let id = given.addressId, let address = given.address, given.value == nil else {
                throw Problem.badRequest("correction.addressId and correction.address are required for an address")
            }
            value = .address(id: id, Self.address(address))
        }
        return Correction(value, statement: given.statement)
    }

    /// A stored correction as the API shows it to the officer who decides it.
    static func correction(_ correction: Correction) -> Components.Schemas.Correction {
        var shown = Components.Schemas.Correction(
            field: .init(rawValue: correction.field.rawValue) ?? .fullName,
            statement: correction.statement
        )
        switch correction.value {
        case .fullName(let text), .email(let text), .phone(let text): shown.value = text
        case .address(let id, let address):
            shown.addressId = id
            shown.address = .init(
                label: address.label,
                line1: address.line1,
                line2: address.line2,
                city: address.city,
                postalCode: address.postalCode,
                country: address.country
            )
        }
        return shown
    }

    /// The acknowledgement's state as the API names it.
    static func acknowledgement(_ status: AcknowledgementStatus) -> Components.Schemas.Acknowledgement {
        switch status {
        case .sent(let at): return .init(status: .sent, sentAt: at)
        case .waiting(let attempts): return .init(status: .waiting, failedAttempts: attempts)
        case .failed: return .init(status: .failed)
        case .notQueued: return .init(status: .notQueued)
        }
    }

    /// `POST /api/v1/requests/{id}/verify` (needs `verify-identity`): verifies by code, security answer, or
    /// date of birth with postcode, or resends the code; answers with the request as it now stands.
    func verifyRequest(_ input: Operations.VerifyRequest.Input) async throws -> Operations.VerifyRequest.Output {
        let caller = try Caller.require(.verifyIdentity)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        let officer = caller.actorName
        try await act {
            if body.resend == true {
                try await requests.resendCode(id)
                return
            }
            let proof: IdentityProof
            if let code = body.code {
                proof = .code(code)
            } else if let answer = body.answer {
                proof = .securityAnswer(answer)
            } else if let text = body.dateOfBirth, let postcode = body.postcode {
                guard let dob = LocalDate(text) else { throw Problem.badRequest("dateOfBirth is YYYY-MM-DD") }
                proof = .dateOfBirthAndPostcode(dob, postcode: postcode)
            } else {
                throw Problem.badRequest("give code, answer, or dateOfBirth with postcode (or resend: true)")
            }
            try await requests.verify(id, proof: proof, by: officer)
        }
        return .ok(.init(body: .json(try await state(id))))
    }

    /// `POST /api/v1/requests/{id}/approve` (needs `decide-requests`): starts the work; 409 unless verified.
    func approveRequest(_ input: Operations.ApproveRequest.Input) async throws -> Operations.ApproveRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        let updated = try await act { try await requests.approve(id, by: caller.actorName) }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/deny` (needs `decide-requests`): refuses with a legal basis and a reason
    /// the customer is sent, with their right to complain.
    func denyRequest(_ input: Operations.DenyRequest.Input) async throws -> Operations.DenyRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body, let basis = DenialReason(rawValue: body.basis.rawValue) else {
            throw Problem.badRequest("send basis and reason")
        }
        let updated = try await act {
            try await requests.deny(id, basis: basis, reason: body.reason, by: .staff(caller.actorName))
        }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/extend` (needs `decide-requests`): the one extension the law allows, with
    /// the reason the customer is told.
    func extendRequest(_ input: Operations.ExtendRequest.Input) async throws -> Operations.ExtendRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send a reason") }
        let updated = try await act { try await requests.extend(id, reason: body.reason, by: caller.actorName) }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/pause` (needs `decide-requests`): stops the clock for identity,
    /// clarification or a fee, where the jurisdiction allows it.
    func pauseRequest(_ input: Operations.PauseRequest.Input) async throws -> Operations.PauseRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body, let reason = PauseReason(rawValue: body.reason.rawValue) else {
            throw Problem.badRequest("send a reason: identity, clarification or fee")
        }
        let updated = try await act { try await requests.pause(id, reason: reason, by: caller.actorName) }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/resume` (needs `decide-requests`): restarts the clock; deadlines move by
    /// the days stopped.
    func resumeRequest(_ input: Operations.ResumeRequest.Input) async throws -> Operations.ResumeRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        let updated = try await act { try await requests.resume(id, by: caller.actorName) }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/cancel` (needs `decide-requests`): withdraws the request, with a reason.
    func cancelRequest(_ input: Operations.CancelRequest.Input) async throws -> Operations.CancelRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send a reason") }
        let updated = try await act { try await requests.cancel(id, reason: body.reason, by: .staff(caller.actorName)) }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/complete` (needs `decide-requests`): records a request fulfilled by hand;
    /// the summary is sent to the customer.
    func completeRequest(_ input: Operations.CompleteRequest.Input) async throws -> Operations.CompleteRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send a summary") }
        let updated = try await act {
            try await requests.complete(id, by: .staff(caller.actorName), summary: body.summary)
        }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }

    /// `POST /api/v1/requests/{id}/assign` (needs `decide-requests`): makes a staff member answerable for it.
    func assignRequest(_ input: Operations.AssignRequest.Input) async throws -> Operations.AssignRequest.Output {
        let caller = try Caller.require(.decideRequests)
        let id = try requestID(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send an assignee") }
        let updated = try await act { try await requests.assign(id, to: body.assignee, by: caller.actorName) }
        return .ok(.init(body: .json(Self.summary(updated, today: today))))
    }
}

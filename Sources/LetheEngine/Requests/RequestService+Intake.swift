import Foundation
import LetheCore
import LetheCrypto
import LetheStore

// Intake: a submission becomes a durable request with its statutory clock, in one transaction.
extension RequestService {
    /// Records the request durably, then returns: nothing is acknowledged that is not stored.
    /// - Throws: `RequestError` when the submission is refused (no contact or jurisdiction, an invalid
    ///   email, an unknown account or purpose, a clock the kind may not run on, a time of receipt in the
    ///   future); `StoreError` from the store.
    public func submit(_ submission: RequestSubmission) async throws -> IntakeReceipt {
        let now = clock.now()
        let receivedAt = submission.receivedAt ?? now
        guard receivedAt.timeIntervalSince(now) <= policy.allowedClockSkew else {
            throw RequestError.receivedInFuture(skewSeconds: Int(policy.allowedClockSkew))
        }
        var deadlineKind = submission.deadlineKind ?? submission.kind.defaultDeadlineKind
        guard submission.kind.allowedDeadlineKinds.contains(deadlineKind) else {
            throw RequestError.deadlineKindNotAllowed(submission.kind, deadlineKind)
        }
        // An appeal takes its customer, contact and law from the request it appeals.
        let submission = try await appealChecked(submission)
        var correction: Correction?
        switch (submission.kind, submission.correction) {
        case (.correction, .some(let asked)):
            correction = try CorrectionCheck.normalised(asked)
        case (.correction, .none):
            throw RequestError.invalidCorrection("say which field to correct and its accurate value")
        case (_, .some):
            throw RequestError.invalidCorrection("only a correction request carries a correction")
        case (_, .none):
            break
        }
        var email: String?
        if let given = submission.email {
            do { email = try BlindIndex.normaliseEmail(given) } catch { throw RequestError.invalidEmail }
        }
        // Find the customer: by id, else by email through the blind index. Unknown people are still answered.
        var account: Account?
        if let id = submission.accountID {
            guard let found = try await store.account(id) else { throw RequestError.accountNotFound(id) }
            account = found
        } else if let email, let id = try await store.accountID(forEmail: email) {
            account = try await store.account(id)
        }
        guard account != nil || email != nil else { throw RequestError.needsContact }
        if submission.channel == .authorizedAgent, submission.agentID == nil { throw RequestError.agentRequired }
        var consentChanges = submission.consentChanges
        if submission.kind == .consentChange {
            if consentChanges.isEmpty, submission.channel == .optOutSignal {
                for purpose in policies.purposes where purpose.withdrawnByOptOutSignal {
                    consentChanges[purpose.id] = false
                }
            }
            guard !consentChanges.isEmpty else { throw RequestError.noConsentChange }
            for purpose in consentChanges.keys where policies.purpose(purpose) == nil {
                throw RequestError.unknownPurpose(purpose, known: policies.purposes.map(\.id))
            }
        }
        if let correction { try CorrectionCheck.fits(correction, account) }
        // A request whose email points elsewhere than its account goes to a supervisor, not down the normal path.
        var conflict: String?
        if let account, let email, email != account.email {
            conflict =
                try await store.accountID(forEmail: email) != nil
                ? "the email given belongs to another account" : "the email given is not the account's registered email"
        }
        let jurisdictionID = submission.jurisdiction ?? account?.residence
        guard let jurisdictionID else { throw RequestError.needsJurisdiction }
        guard let law = policies.jurisdictions[jurisdictionID] else {
            throw RequestError.unknownJurisdiction(jurisdictionID)
        }
        // A withdrawal of only purposes with a clock of their own (limiting the use of sensitive personal
        // information, §1798.121) runs on that clock where the law has one.
        if submission.deadlineKind == nil, submission.kind == .consentChange,
            let clock = withdrawalClock(consentChanges), law.rule(clock, on: law.day(of: receivedAt)) != nil
        {
            deadlineKind = clock
        }
        let schedule: DeadlineSchedule
        do {
            schedule = try deadlines.schedule(
                DeadlineQuery(jurisdictionID: jurisdictionID, kind: deadlineKind, receivedAt: receivedAt)
            )
        } catch {
            throw RequestError.deadline(error.description)
        }
        let id = RequestID(try newRequestID(receivedAt))
        var request = PrivacyRequest(
            id: id,
            kind: submission.kind,
            deadlineKind: deadlineKind,
            accountID: account?.id,
            jurisdictionID: jurisdictionID,
            receivedAt: receivedAt
        )
        let contact = email ?? account?.email
        var messages: [OutboxMessage] = []
        var code: VerificationCodeRecord?
        let intake = Actor.system("intake")
        if schedule.verification == .notRequired {
            // The law forbids demanding verification here (e.g. CCPA opt-out, 11 CCR §7026(d)).
            try request.transition(
                to: .verified,
                actor: intake,
                at: receivedAt,
                reason: "no identity verification required: \(schedule.response.citation)"
            )
        } else {
            try request.transition(
                to: .awaitingVerification,
                actor: intake,
                at: receivedAt,
                reason: "identity to be verified"
            )
            let isAgent = submission.channel == .authorizedAgent
            // An agent's request is confirmed by the customer directly (CCPA §7063(a)(3)): the code goes to the
            // customer's registered address, never to the agent.
            let codeAddress = isAgent ? account?.email : contact
            if let codeAddress {
                let (digits, record) = try await codes.issue(id.rawValue, to: codeAddress)
                code = record
                messages.append(
                    OutboxMessage(
                        isAgent
                            ? .agentConfirmation(
                                request: id,
                                code: digits,
                                expiresInMinutes: Int(policy.codeLifetime / 60),
                                agent: submission.agentID ?? "",
                                kind: submission.kind
                            )
                            : .verificationCode(
                                request: id,
                                code: digits,
                                expiresInMinutes: Int(policy.codeLifetime / 60)
                            ),
                        accountID: account?.id,
                        recipient: codeAddress
                    )
                )
            }
        }
        if let contact {
            messages.append(
                OutboxMessage(
                    .receiptAcknowledgement(
                        request: id,
                        kind: submission.kind,
                        law: schedule.jurisdictionName,
                        respondBy: schedule.response.due
                    ),
                    accountID: account?.id,
                    recipient: contact
                )
            )
        }
        // Intake decides everything a new request starts with and stores it in one transaction: a crash
        // leaves the request with its alerts, its consent effects and its recipients, or leaves nothing.
        var effects = IntakeEffects(request: id, at: now)
        if let conflict {
            effects.toSupervisors(threshold: "conflict", reason: conflict)
        }
        if submission.channel == .authorizedAgent, account == nil, schedule.verification == .required {
            effects.toSupervisors(
                threshold: "agent-unconfirmable",
                reason: "an authorized agent asked for a person with no account: the customer cannot confirm directly"
            )
        }
        var completedAt: Date?
        var recipients: (ids: [String], action: String, at: Date)?
        var jobs: [NewJob] = []
        var consents: [ConsentRecord] = []
        // A withdrawal takes effect at once and is as easy as giving (GDPR Art 7(3)): apply it now.
        if submission.kind == .consentChange, request.status == .verified, conflict == nil {
            let effect = ConsentEffect(
                consentChanges,
                request: id,
                channel: submission.channel,
                hasAccount: account != nil,
                policies: policies,
                at: now
            )
            consents = effect.records
            let fanout = RecipientFanout(store: store, clock: clock)
            let concerned = effect.passesOn ? try await fanout.concerned([]) : []
            if concerned.isEmpty {
                try request.transition(to: .completed, actor: .system("consent"), at: now, reason: effect.summary)
                completedAt = now
                if let contact {
                    messages.append(
                        OutboxMessage(
                            .requestCompleted(request: id, kind: submission.kind, summary: effect.summary),
                            accountID: account?.id,
                            recipient: contact
                        )
                    )
                }
            } else {
                try request.transition(
                    to: .inProgress,
                    actor: .system("consent"),
                    at: now,
                    reason: "\(effect.summary) Passing the opt-out on to recipients."
                )
                recipients = (concerned.map(\.id), "opt-out", now)
                jobs = RecipientFanout.jobs(id, concerned, at: now)
            }
        }
        let received = AuditEvent(
            at: receivedAt,
            actor: submission.submittedBy.description,
            action: "request.received",
            subjectType: "request",
            subjectID: id.rawValue,
            fields: [submission.kind.rawValue, submission.channel.rawValue, jurisdictionID],
            reason: nil
        )
        var record = NewRequestRecord(
            request: request,
            channel: submission.channel,
            subjectID: account?.id.description ?? id.rawValue,
            agentID: submission.agentID,
            requesterEmail: contact,
            idempotencyKey: submission.idempotencyKey,
            schedule: schedule,
            consentChanges: consentChanges,
            code: code,
            messages: messages + effects.messages,
            audit: [received] + request.events.map { audit(for: $0) } + effects.audit
        )
        record.assignee = effects.assignee
        record.alerts = effects.alerts
        record.consents = consents
        record.recipients = recipients
        record.jobs = jobs
        record.completedAt = completedAt
        record.correction = correction
        record.appealOf = submission.appealOf
        record.grounds = submission.grounds
        let outcome = try await store.createRequest(record)
        logger.info(
            "request intake",
            metadata: [
                "request": "\(outcome.requestID)", "outcome": "\(outcome)", "kind": "\(submission.kind.rawValue)",
            ]
        )
        for alert in effects.alerts {
            logger.notice(
                "request sent to the supervisor queue",
                metadata: ["request": "\(id)", "why": "\(alert.threshold)"]
            )
        }
        // A new request answers from what was written; a repeated or linked one from the request it joined.
        guard case .created = outcome else {
            guard let existing = try await store.request(outcome.requestID) else {
                throw RequestError.notFound(outcome.requestID)
            }
            return IntakeReceipt(outcome: outcome, status: existing.request.status, schedule: existing.schedule)
        }
        return IntakeReceipt(outcome: outcome, status: request.status, schedule: schedule)
    }

    /// The clock shared by every purpose a consent change withdraws, when it withdraws only and every
    /// purpose names the same `withdrawal-clock`; nil otherwise.
    func withdrawalClock(_ changes: [String: Bool]) -> DeadlineKind? {
        guard !changes.isEmpty, changes.values.allSatisfy({ !$0 }) else { return nil }
        let clocks = Set(changes.keys.map { policies.purpose($0)?.withdrawalClock })
        guard clocks.count == 1, let clock = clocks.first else { return nil }
        return clock
    }

    /// `R-` + the receipt date + 8 random base-32 characters: sortable by day, not guessable.
    func newRequestID(_ receivedAt: Date) throws -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTVWXYZ0123456789")
        var suffix = ""
        for _ in 0..<8 { suffix.append(alphabet[Int(try random.uniform(below: UInt32(alphabet.count)))]) }
        let utc = TimeZone(identifier: "UTC") ?? .current
        let day = LocalDate(instant: receivedAt, in: utc).description.replacingOccurrences(of: "-", with: "")
        return "R-\(day)-\(suffix)"
    }
}

/// A request put in the supervisor queue: the alert (raised once per threshold), the officers' notice
/// and the audit entry, built in one place for intake and for later moves alike.
struct SupervisorAlert {
    /// Who works a request once it is in the supervisor queue.
    static let assignee = "supervisors"

    let alert: RequestAlert
    let notice: OutboxMessage
    let audit: AuditEvent

    init(request: RequestID, threshold: String, reason: String, at instant: Date) {
        alert = RequestAlert(requestID: request, threshold: threshold, level: "supervisor", at: instant)
        notice = OutboxMessage(
            .requestNeedsSupervisor(request: request, reason: reason),
            accountID: nil,
            recipient: nil
        )
        audit = AuditEvent(
            at: instant,
            actor: "system:intake",
            action: "request.to-supervisor",
            subjectType: "request",
            subjectID: request.rawValue,
            fields: [threshold]
        )
    }
}

/// The supervisor alerts intake raises, stored with the request in its transaction.
struct IntakeEffects {
    let request: RequestID
    let at: Date
    private(set) var raised: [SupervisorAlert] = []

    init(request: RequestID, at: Date) {
        self.request = request
        self.at = at
    }

    var alerts: [RequestAlert] { raised.map(\.alert) }
    var messages: [OutboxMessage] { raised.map(\.notice) }
    var audit: [AuditEvent] { raised.map(\.audit) }
    /// The supervisors once any alert is raised: the request starts in their queue.
    var assignee: String? { raised.isEmpty ? nil : SupervisorAlert.assignee }

    /// Puts the request in the supervisor queue with an alert saying why.
    mutating func toSupervisors(threshold: String, reason: String) {
        raised.append(SupervisorAlert(request: request, threshold: threshold, reason: reason, at: at))
    }
}

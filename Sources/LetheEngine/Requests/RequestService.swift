import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// The request intake queue and its lifecycle: take a request durably, verify who asks, start the
/// statutory clocks, and move it through the state machine with every change evidenced.
public struct RequestService: Sendable {
    let store: any LetheStore
    let vault: KeyVault
    let policies: PolicySet
    let deadlines: DeadlineEngine
    let clock: any WallClock
    let random: any RandomSource
    let policy: RequestPolicy
    let logger: Logger

    public init(
        store: any LetheStore,
        vault: KeyVault,
        policies: PolicySet,
        clock: any WallClock,
        random: any RandomSource = SecureRandomSource(),
        policy: RequestPolicy = RequestPolicy(),
        logger: Logger = Logger(label: "lethe.requests")
    ) {
        self.store = store
        self.vault = vault
        self.policies = policies
        self.deadlines = DeadlineEngine(policies: policies)
        self.clock = clock
        self.random = random
        self.policy = policy
        self.logger = logger
    }

    var codes: OneTimeCodes {
        var codes = OneTimeCodes(store: store, vault: vault, random: random, clock: clock)
        codes.lifetime = policy.codeLifetime
        codes.maxAttempts = policy.maxCodeAttempts
        codes.maxPerOwnerPerHour = policy.maxCodesPerSubjectPerHour
        codes.maxPerAddressPerHour = policy.maxCodesPerAddressPerHour
        return codes
    }

    // MARK: Intake

    /// Records the request durably, then returns: nothing is acknowledged that is not stored.
    public func submit(_ submission: RequestSubmission) async throws -> IntakeReceipt {
        let now = clock.now()
        let receivedAt = submission.receivedAt ?? now
        guard receivedAt.timeIntervalSince(now) <= policy.allowedClockSkew else {
            throw RequestError.receivedInFuture(skewSeconds: Int(policy.allowedClockSkew))
        }
        let deadlineKind = submission.deadlineKind ?? submission.kind.defaultDeadlineKind
        guard submission.kind.allowedDeadlineKinds.contains(deadlineKind) else {
            throw RequestError.deadlineKindNotAllowed(submission.kind, deadlineKind)
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
        // A request whose email points elsewhere than its account goes to a supervisor, not down the normal path.
        var conflict: String?
        if let account, let email, email != account.email {
            conflict =
                try await store.accountID(forEmail: email) != nil
                ? "the email given belongs to another account" : "the email given is not the account's registered email"
        }
        let jurisdictionID = submission.jurisdiction ?? account?.residence
        guard let jurisdictionID else { throw RequestError.needsJurisdiction }
        guard policies.jurisdictions[jurisdictionID] != nil else {
            throw RequestError.unknownJurisdiction(jurisdictionID)
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
        let received = AuditEvent(
            at: receivedAt,
            actor: submission.submittedBy.description,
            action: "request.received",
            subjectType: "request",
            subjectID: id.rawValue,
            fields: [submission.kind.rawValue, submission.channel.rawValue, jurisdictionID],
            reason: nil
        )
        let outcome = try await store.createRequest(
            NewRequestRecord(
                request: request,
                channel: submission.channel,
                subjectID: account?.id.description ?? id.rawValue,
                agentID: submission.agentID,
                requesterEmail: contact,
                idempotencyKey: submission.idempotencyKey,
                schedule: schedule,
                consentChanges: consentChanges,
                code: code,
                messages: messages,
                audit: [received] + request.events.map { audit(for: $0) }
            )
        )
        logger.info(
            "request intake",
            metadata: [
                "request": "\(outcome.requestID)", "outcome": "\(outcome)", "kind": "\(submission.kind.rawValue)",
            ]
        )
        if case .created = outcome, let conflict {
            try await toSupervisors(outcome.requestID, threshold: "conflict", reason: conflict)
        }
        // A withdrawal takes effect at once and is as easy as giving (GDPR Art 7(3)): apply it now.
        if case .created = outcome, submission.kind == .consentChange, request.status == .verified, conflict == nil {
            try await applyConsentChanges(outcome.requestID)
        }
        if case .created = outcome, submission.channel == .authorizedAgent, account == nil,
            schedule.verification == .required
        {
            try await toSupervisors(
                outcome.requestID,
                threshold: "agent-unconfirmable",
                reason: "an authorized agent asked for a person with no account: the customer cannot confirm directly"
            )
        }
        guard case .created = outcome, let stored = try await store.request(outcome.requestID) else {
            guard let existing = try await store.request(outcome.requestID) else {
                throw RequestError.notFound(outcome.requestID)
            }
            return IntakeReceipt(outcome: outcome, status: existing.request.status, schedule: existing.schedule)
        }
        return IntakeReceipt(outcome: outcome, status: stored.request.status, schedule: stored.schedule)
    }

    /// `R-` + the receipt date + 8 random base-32 characters: sortable by day, not guessable.
    private func newRequestID(_ receivedAt: Date) throws -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTVWXYZ0123456789")
        var suffix = ""
        for _ in 0..<8 { suffix.append(alphabet[Int(try random.uniform(below: UInt32(alphabet.count)))]) }
        let utc = TimeZone(identifier: "UTC") ?? .current
        let day = LocalDate(instant: receivedAt, in: utc).description.replacingOccurrences(of: "-", with: "")
        return "R-\(day)-\(suffix)"
    }

    // MARK: Verification by one-time code

    /// Sends a fresh code, within the per-customer and per-address limits.
    public func resendCode(_ id: RequestID) async throws {
        let stored = try await load(id)
        guard stored.request.status == .awaitingVerification, let address = stored.requesterEmail else {
            throw RequestError.noCodePending
        }
        do {
            try await codes.send(id.rawValue, keyOwner: stored.subjectID, to: address) { digits in
                OutboxMessage(
                    .verificationCode(request: id, code: digits, expiresInMinutes: Int(policy.codeLifetime / 60)),
                    accountID: stored.request.accountID,
                    recipient: address
                )
            }
        } catch OneTimeCodes.Failure.rateLimited {
            logger.notice("code resend refused: rate limit", metadata: ["request": "\(id)"])
            throw RequestError.rateLimited
        }
    }

    /// Checks a code the requester typed. A right code verifies the request; five wrong ones lock it.
    @discardableResult
    public func verifyCode(_ id: RequestID, code: String) async throws -> Bool {
        let stored = try await load(id)
        guard stored.request.status == .awaitingVerification else { throw RequestError.noCodePending }
        let matches: Bool
        do {
            matches = try await codes.check(id.rawValue, digits: code)
        } catch let failure as OneTimeCodes.Failure {
            switch failure {
            case .noneSent: throw RequestError.noCodePending
            case .locked:
                // Identity cannot be verified by code any more: a supervisor decides what happens next.
                try await toSupervisors(
                    id,
                    threshold: "unverifiable",
                    reason: "the verification code was locked after too many wrong tries"
                )
                throw RequestError.codeLocked
            case .expired: throw RequestError.codeExpired
            case .rateLimited: throw RequestError.rateLimited
            }
        }
        guard matches else {
            logger.notice("wrong verification code", metadata: ["request": "\(id)"])
            return false
        }
        if stored.channel == .authorizedAgent {
            try await confirmAgent(stored, confirmedAt: clock.now(), permission: nil)
            try await applyConsentIfVerified(id)
            return true
        }
        try await move(
            stored,
            to: .verified,
            actor: .customer,
            reason: "identity verified by a one-time code sent to the registered email"
        )
        if stored.request.kind == .consentChange { try await applyConsentChanges(id) }
        return true
    }

    /// Writes a verified consent change to the ledger and completes the request.
    public func applyConsentChanges(_ id: RequestID) async throws {
        let stored = try await load(id)
        guard stored.request.status == .verified || stored.request.status == .inProgress else { return }
        let source: String
        switch stored.channel {
        case .optOutSignal: source = "gpc-signal"
        case .authorizedAgent: source = "authorized-agent"
        case .agent: source = "agent"
        default: source = "customer"
        }
        let now = clock.now()
        if let account = stored.request.accountID {
            for (purpose, granted) in stored.consentChanges.sorted(by: { $0.key < $1.key }) {
                try await store.appendConsent(
                    account,
                    ConsentRecord(
                        purpose: purpose,
                        granted: granted,
                        source: source,
                        sourceDetail: "request \(id.rawValue)",
                        noticeVersion: policies.noticeVersion,
                        at: now
                    )
                )
            }
        }
        let withdrawn = stored.consentChanges.filter { !$0.value }.keys.sorted()
        let given = stored.consentChanges.filter { $0.value }.keys.sorted()
        var summary = [
            withdrawn.isEmpty ? nil : "Withdrawn: \(withdrawn.joined(separator: ", ")).",
            given.isEmpty ? nil : "Given: \(given.joined(separator: ", ")).",
        ]
        .compactMap { $0 }.joined(separator: " ")
        if stored.request.accountID == nil {
            summary += " No account matched this request; the choice is recorded with it."
        }
        // Opt-outs of sale or sharing go on to the recipients (CCPA §7026(f)); the request waits for them.
        let passedOn = withdrawn.contains { policies.purpose($0)?.withdrawnByOptOutSignal == true }
        if passedOn,
            try await RecipientFanout(store: store, clock: clock).notify(id, action: "opt-out", categories: []) > 0
        {
            // Approved by an officer, the request is already in progress: the recipients' answers complete it.
            guard stored.request.status != .inProgress else { return }
            try await move(
                stored,
                to: .inProgress,
                actor: .system("consent"),
                reason: "\(summary) Passing the opt-out on to recipients."
            )
            return
        }
        try await complete(id, by: .system("consent"), summary: summary)
    }

    /// Records the authorized agent's proof of permission (e.g. the reference of a signed authorisation).
    /// The request is verified once the customer has also confirmed directly.
    public func recordAgentPermission(_ id: RequestID, proof: String, by officer: String) async throws {
        let text = proof.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw RequestError.reasonRequired("an agent's permission") }
        let stored = try await load(id)
        guard stored.channel == .authorizedAgent else {
            throw RequestError.illegal("request \(id) was not made by an authorized agent")
        }
        try await confirmAgent(stored, confirmedAt: nil, permission: (text, .staff(officer)))
    }

    /// Records an authorized agent's signed request (the Data Rights Protocol) as its proof of
    /// permission. When the agent's verification of a claim that matched the account is accepted under
    /// its identity-assurance policy (`assuredBy`), that stands in for the customer's own confirmation
    /// and the request is verified at once; otherwise the customer's confirmation is still awaited.
    /// Repeating it changes nothing, so a retried submission can call it again.
    public func recordSignedAgentPermission(
        _ id: RequestID,
        agent: String,
        proof: String,
        assuredBy claim: String?
    ) async throws {
        let stored = try await load(id)
        guard stored.channel == .authorizedAgent, stored.agentID == agent else {
            throw RequestError.illegal("request \(id) was not made by authorized agent \(agent)")
        }
        guard stored.request.status == .awaitingVerification, stored.agentPermissionAt == nil else { return }
        guard let claim else {
            try await confirmAgent(stored, confirmedAt: nil, permission: (proof, .agent(agent)))
            try await applyConsentIfVerified(id)
            return
        }
        let now = clock.now()
        var request = stored.request
        let event: LifecycleEvent
        do {
            event = try request.transition(
                to: .verified,
                actor: .agent(agent),
                at: now,
                reason:
                    "authorized agent \(agent): signed request; the customer's \(claim), verified by the agent, "
                    + "matched the account and is accepted under the agent's identity-assurance policy"
            )
        } catch {
            throw RequestError.illegal(error.description)
        }
        let permissionAudit = AuditEvent(
            at: now,
            actor: Actor.agent(agent).description,
            action: "request.agent-permission",
            subjectType: "request",
            subjectID: id.rawValue,
            fields: [agent]
        )
        try await store.updateRequest(
            id,
            expecting: stored.request.status,
            RequestUpdate(event: event, agentPermission: (proof, now), audit: [permissionAudit, audit(for: event)])
        )
        try await applyConsentIfVerified(id)
    }

    /// A consent change takes effect as soon as it is verified (GDPR Art 7(3)).
    private func applyConsentIfVerified(_ id: RequestID) async throws {
        let stored = try await load(id)
        guard stored.request.kind == .consentChange, stored.request.status == .verified else { return }
        try await applyConsentChanges(id)
    }

    /// Stores one of the two facts an agent's request needs; when both are on file, verifies it.
    private func confirmAgent(
        _ stored: StoredRequest,
        confirmedAt: Date?,
        permission: (proof: String, actor: Actor)?
    ) async throws {
        let now = clock.now()
        let hasPermission = permission != nil || stored.agentPermissionAt != nil
        let hasConfirmation = confirmedAt != nil || stored.customerConfirmedAt != nil
        let fact = permission != nil ? "request.agent-permission" : "request.customer-confirmed"
        let actor: Actor = permission?.actor ?? .customer
        let factAudit = AuditEvent(
            at: now,
            actor: actor.description,
            action: fact,
            subjectType: "request",
            subjectID: stored.request.id.rawValue,
            fields: [stored.agentID ?? ""]
        )
        guard hasPermission, hasConfirmation else {
            try await store.updateRequest(
                stored.request.id,
                expecting: stored.request.status,
                RequestUpdate(
                    agentPermission: permission.map { ($0.proof, now) },
                    customerConfirmedAt: confirmedAt,
                    audit: [factAudit]
                )
            )
            return
        }
        var request = stored.request
        let event: LifecycleEvent
        do {
            event = try request.transition(
                to: .verified,
                actor: actor,
                at: now,
                reason: "authorized agent \(stored.agentID ?? ""): permission on file and confirmed by the customer"
            )
        } catch {
            throw RequestError.illegal(error.description)
        }
        try await store.updateRequest(
            stored.request.id,
            expecting: stored.request.status,
            RequestUpdate(
                event: event,
                agentPermission: permission.map { ($0.proof, now) },
                customerConfirmedAt: confirmedAt,
                audit: [factAudit, audit(for: event)]
            )
        )
    }

    /// Marks a request verified on an agent's checked evidence (security questions, date of birth and address).
    public func verify(_ id: RequestID, with verification: IdentityVerification, by officer: String) async throws {
        let stored = try await load(id)
        guard stored.request.accountID == verification.accountID else {
            throw RequestError.verificationForAnotherAccount
        }
        try await move(
            stored,
            to: .verified,
            actor: .staff(officer),
            reason:
                "identity verified by \(verification.evidence.method.rawValue), checked by \(verification.evidence.verifiedBy)"
        )
    }

    // MARK: Officer actions

    /// Starts the work: the request moves to in progress and its processing job is queued.
    public func approve(_ id: RequestID, by officer: String) async throws {
        let stored = try await load(id)
        let job = NewJob(
            .process(stored.request.kind, id),
            dedupeKey: "process:\(id.rawValue)",
            runAt: clock.now()
        )
        try await move(stored, to: .inProgress, actor: .staff(officer), reason: "approved for processing", jobs: [job])
    }

    /// Completes the request and tells the customer (unless `notify` is false: after an erasure the
    /// customer was told before their address went, and nothing can be sent any more).
    public func complete(_ id: RequestID, by actor: Actor, summary: String, notify: Bool = true) async throws {
        let stored = try await load(id)
        let message = stored.requesterEmail.flatMap { email in notify ? email : nil }.map {
            OutboxMessage(
                .requestCompleted(request: id, kind: stored.request.kind, summary: summary),
                accountID: stored.request.accountID,
                recipient: $0
            )
        }
        try await move(
            stored,
            to: .completed,
            actor: actor,
            reason: summary,
            messages: message.map { [$0] } ?? [],
            completed: true
        )
    }

    /// Refuses the request with its legal basis, the reason, and the customer's right to complain.
    public func deny(_ id: RequestID, basis: DenialReason, reason: String, by actor: Actor) async throws {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw RequestError.reasonRequired("a denial") }
        let stored = try await load(id)
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
        try await move(
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
    public func extend(_ id: RequestID, reason: String, by officer: String) async throws {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw RequestError.reasonRequired("an extension") }
        let stored = try await load(id)
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
        try await move(
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
    public func pause(_ id: RequestID, reason: PauseReason, by officer: String) async throws {
        let stored = try await load(id)
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
    }

    /// Restarts the clock; every deadline moves by the paused days (both ends counted).
    public func resume(_ id: RequestID, by officer: String) async throws {
        let stored = try await load(id)
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
    }

    public func cancel(_ id: RequestID, reason: String, by actor: Actor) async throws {
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw RequestError.reasonRequired("a cancellation") }
        let stored = try await load(id)
        try await move(stored, to: .cancelled, actor: actor, reason: why, completed: true)
        // Cancelling a deletion inside its grace period gives the account back exactly as it was.
        if stored.request.kind == .deletion, let account = stored.request.accountID,
            let current = try await store.account(account), current.status == .pendingDeletion
        {
            try await store.updateAccount(
                account,
                changes: [.status(.active)],
                note: RecordNote(
                    accountID: account,
                    at: clock.now(),
                    author: actor.description,
                    changedFields: ["status"],
                    reason: "Deletion \(id) cancelled within the grace period",
                    reference: id.rawValue,
                    verification: nil
                ),
                notification: nil
            )
        }
    }

    public func assign(_ id: RequestID, to officer: String, by supervisor: String) async throws {
        let stored = try await load(id)
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
    }

    /// Puts a request in the supervisor queue (assignee `supervisors`) with an alert saying why, once.
    func toSupervisors(_ id: RequestID, threshold: String, reason: String) async throws {
        let stored = try await load(id)
        let now = clock.now()
        try await store.updateRequest(id, expecting: stored.request.status, RequestUpdate(assignee: "supervisors"))
        _ = try await store.raiseAlert(
            RequestAlert(requestID: id, threshold: threshold, level: "supervisor", at: now),
            message: OutboxMessage(
                .requestNeedsSupervisor(request: id, reason: reason),
                accountID: nil,
                recipient: nil
            ),
            audit: AuditEvent(
                at: now,
                actor: "system:intake",
                action: "request.to-supervisor",
                subjectType: "request",
                subjectID: id.rawValue,
                fields: [threshold]
            )
        )
        logger.notice("request sent to the supervisor queue", metadata: ["request": "\(id)", "why": "\(threshold)"])
    }

    // MARK: Reading

    /// The request with its lifecycle events and pauses, or nil when there is no such request.
    /// - Throws: the store's errors.
    public func request(_ id: RequestID) async throws -> StoredRequest? { try await store.request(id) }

    public func list(_ query: RequestQuery) async throws -> [RequestSummary] { try await store.listRequests(query) }

    public func dossier(_ id: RequestID) async throws -> RequestDossier {
        RequestDossier(
            stored: try await load(id),
            history: try await store.deadlineHistory(id),
            alerts: try await store.alerts(id)
        )
    }

    // MARK: Helpers

    /// The request if it is being worked on (in progress or extended); nil once it has moved on, so a
    /// retried or late job does nothing.
    func inWork(_ id: RequestID) async throws -> StoredRequest? {
        let stored = try await load(id)
        return stored.request.status == .inProgress || stored.request.status == .extended ? stored : nil
    }

    func load(_ id: RequestID) async throws -> StoredRequest {
        guard let stored = try await store.request(id) else { throw RequestError.notFound(id) }
        return stored
    }

    private func today(for stored: StoredRequest) -> LocalDate {
        LocalDate(instant: clock.now(), in: TimeZone(identifier: stored.schedule.timeZone) ?? .current)
    }

    private func closedPauses(_ stored: StoredRequest) -> [ClockPause] {
        stored.pauses.compactMap { pause in pause.to.map { ClockPause(from: pause.from, to: $0, reason: pause.reason) }
        }
    }

    private func recompute(
        _ stored: StoredRequest,
        notice: ExtensionNotice?,
        pauses: [ClockPause]
    ) throws -> DeadlineSchedule {
        do {
            return try deadlines.schedule(
                DeadlineQuery(
                    jurisdictionID: stored.request.jurisdictionID,
                    kind: stored.request.deadlineKind,
                    receivedAt: stored.request.receivedAt,
                    calendarID: stored.schedule.calendar,
                    timeZoneIdentifier: stored.schedule.timeZone,
                    extensionNotice: notice,
                    pauses: pauses
                )
            )
        } catch {
            throw RequestError.deadline(error.description)
        }
    }

    private func audit(for event: LifecycleEvent) -> AuditEvent {
        AuditEvent(
            at: event.at,
            actor: event.actor.description,
            action: "request.\(event.to.rawValue)",
            subjectType: "request",
            subjectID: event.requestID.rawValue,
            fields: event.denialReason.map { [$0.rawValue] } ?? [],
            reason: nil
        )
    }

    /// One lifecycle move, validated by the state machine, stored with compare-and-set on the old status.
    private func move(
        _ stored: StoredRequest,
        to next: RequestStatus,
        actor: Actor,
        reason: String?,
        denial: DenialReason? = nil,
        schedule: (DeadlineSchedule, cause: String)? = nil,
        extensionNotice: ExtensionNotice? = nil,
        messages: [OutboxMessage] = [],
        jobs: [NewJob] = [],
        completed: Bool = false
    ) async throws {
        var request = stored.request
        let previous = request.status
        let event: LifecycleEvent
        do {
            event = try request.transition(
                to: next,
                actor: actor,
                at: clock.now(),
                reason: reason,
                denialReason: denial
            )
        } catch {
            throw RequestError.illegal(error.description)
        }
        try await store.updateRequest(
            request.id,
            expecting: previous,
            RequestUpdate(
                event: event,
                schedule: schedule,
                extensionNotice: extensionNotice,
                completedAt: completed ? event.at : nil,
                messages: messages,
                audit: [audit(for: event)],
                jobs: jobs
            )
        )
        logger.info(
            "request moved",
            metadata: ["request": "\(request.id)", "from": "\(previous.rawValue)", "to": "\(next.rawValue)"]
        )
    }
}

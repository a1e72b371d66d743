import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// The request intake queue and its lifecycle: take a request durably, verify who asks, start the
/// statutory clocks, and move it through the state machine with every change evidenced.
public struct RequestService: Sendable {
    let store:
        any AccessRepository & AccountRepository & AuditRepository & JobRepository & RecipientRepository
            & RequestRepository
    let vault: KeyVault
    let policies: PolicySet
    let deadlines: DeadlineEngine
    let clock: any WallClock
    let random: any RandomSource
    let policy: RequestPolicy
    let logger: Logger

    /// Creates the service. `policies` give the jurisdictions and deadlines; `random` draws verification
    /// codes and request ids; `policy` sets code limits, alert thresholds and the verification window.
    public init(
        store: any AccessRepository & AccountRepository & AuditRepository & JobRepository & RecipientRepository
            & RequestRepository,
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

    // MARK: Reading

    /// The request with its lifecycle events and pauses, or nil when there is no such request.
    /// - Throws: the store's errors.
    public func request(_ id: RequestID) async throws -> StoredRequest? { try await store.request(id) }

    /// Requests matching the query (status, assignee, account, due date), as one line each for a queue.
    ///
    /// - Throws: the store's errors (`StoreError`).
    public func list(_ query: RequestQuery) async throws -> [RequestSummary] { try await store.listRequests(query) }

    /// The request with its deadline history, alerts and acknowledgement, as an officer reviews it.
    ///
    /// - Throws: ``RequestError/notFound(_:)`` for an unknown id; the store's errors otherwise.
    public func dossier(_ id: RequestID) async throws -> RequestDossier {
        RequestDossier(
            stored: try await load(id),
            history: try await store.deadlineHistory(id),
            alerts: try await store.alerts(id),
            acknowledgement: try await store.acknowledgement(of: id),
            appeal: try await store.appeal(of: id)
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

    func today(for stored: StoredRequest) -> LocalDate {
        LocalDate(instant: clock.now(), in: TimeZone(identifier: stored.schedule.timeZone) ?? .current)
    }

    func closedPauses(_ stored: StoredRequest) -> [ClockPause] {
        stored.pauses.compactMap { pause in pause.to.map { ClockPause(from: pause.from, to: $0, reason: pause.reason) }
        }
    }

    func recompute(
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

    func audit(for event: LifecycleEvent) -> AuditEvent {
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
    @discardableResult
    func move(
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
    ) async throws -> StoredRequest {
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
        // The caller gets the request as this move left it, without reading it back.
        var updated = stored
        updated.request = request
        // The reason lives in the sealed extension notice, not in the stored schedule.
        if let schedule { updated.schedule = schedule.0.withoutExtensionReason }
        if let extensionNotice { updated.extensionNotice = extensionNotice }
        if completed { updated.completedAt = event.at }
        return updated
    }
}

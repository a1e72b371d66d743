import Foundation
import LetheCore
import LetheStore

/// What a verified consent change does: its ledger entries, the summary the customer reads, and
/// whether it goes on to recipients (an opt-out of sale or sharing, CCPA §7026(f)).
struct ConsentEffect: Sendable {
    /// One ledger entry per purpose, for the account (none when no account matched).
    let records: [ConsentRecord]
    /// "Withdrawn: …. Given: …." in the customer's words.
    let summary: String
    /// Whether a withdrawn purpose is one an opt-out signal withdraws, so recipients must be told.
    let passesOn: Bool

    init(
        _ changes: [String: Bool],
        request: RequestID,
        channel: RequestChannel,
        hasAccount: Bool,
        policies: PolicySet,
        at: Date
    ) {
        let source: String
        switch channel {
        case .optOutSignal: source = "gpc-signal"
        case .authorizedAgent: source = "authorized-agent"
        case .agent: source = "agent"
        default: source = "customer"
        }
        records =
            hasAccount
            ? changes.sorted(by: { $0.key < $1.key }).map { purpose, granted in
                ConsentRecord(
                    purpose: purpose,
                    granted: granted,
                    source: source,
                    sourceDetail: "request \(request.rawValue)",
                    noticeVersion: policies.noticeVersion,
                    at: at
                )
            } : []
        let withdrawn = changes.filter { !$0.value }.keys.sorted()
        let given = changes.filter { $0.value }.keys.sorted()
        var summary = [
            withdrawn.isEmpty ? nil : "Withdrawn: \(withdrawn.joined(separator: ", ")).",
            given.isEmpty ? nil : "Given: \(given.joined(separator: ", ")).",
        ]
        .compactMap { $0 }.joined(separator: " ")
        if !hasAccount { summary += " No account matched this request; the choice is recorded with it." }
        self.summary = summary
        passesOn = withdrawn.contains { policies.purpose($0)?.withdrawnByOptOutSignal == true }
    }
}

// The consent ledger: a verified change takes effect at once and is passed on where the law says.
extension RequestService {
    /// Writes a verified consent change to the ledger and completes the request (or, when it goes on
    /// to recipients, moves it to in progress until they answer).
    /// - Throws: `RequestError` when the request cannot move; the store's errors otherwise.
    public func applyConsentChanges(_ id: RequestID) async throws {
        let stored = try await load(id)
        guard stored.request.status == .verified || stored.request.status == .inProgress else { return }
        let effect = ConsentEffect(
            stored.consentChanges,
            request: id,
            channel: stored.channel,
            hasAccount: stored.request.accountID != nil,
            policies: policies,
            at: clock.now()
        )
        if let account = stored.request.accountID {
            for record in effect.records { try await store.appendConsent(account, record) }
        }
        if effect.passesOn,
            try await RecipientFanout(store: store, clock: clock).notify(id, action: "opt-out", categories: []) > 0
        {
            // Approved by an officer, the request is already in progress: the recipients' answers complete it.
            guard stored.request.status != .inProgress else { return }
            try await move(
                stored,
                to: .inProgress,
                actor: .system("consent"),
                reason: "\(effect.summary) Passing the opt-out on to recipients."
            )
            return
        }
        try await complete(id, by: .system("consent"), summary: effect.summary)
    }

    /// A consent change takes effect as soon as it is verified (GDPR Art 7(3)).
    func applyConsentIfVerified(_ id: RequestID) async throws {
        let stored = try await load(id)
        guard stored.request.kind == .consentChange, stored.request.status == .verified else { return }
        try await applyConsentChanges(id)
    }
}

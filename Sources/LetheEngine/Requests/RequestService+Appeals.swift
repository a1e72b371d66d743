import Foundation
import LetheCore
import LetheStore

// Appeals: a customer whose request was refused asks for the decision to be reconsidered, where a US state
// law grants the right (e.g. Va. Code §59.1-577(C), C.R.S. §6-1-1306(3), Conn. Gen. Stat. §42-520(d)).
extension RequestService {
    /// The longest grounds accepted: a paragraph or two, not a document.
    public static let maxGroundsLength = 2000

    /// Checks an appeal's link and grounds before anything is stored, and fills in what the appeal takes
    /// from the request it appeals: the customer, the law, and the contact when no account was matched.
    /// Any other kind passes through unchanged, unless it carries an appeal's fields.
    ///
    /// - Throws: ``RequestError/invalidAppeal(_:)`` naming the rule; ``RequestError/notFound(_:)`` when the
    ///   request appealed does not exist.
    func appealChecked(_ submission: RequestSubmission) async throws -> RequestSubmission {
        var checked = submission
        let grounds = submission.grounds?.trimmingCharacters(in: .whitespacesAndNewlines)
        checked.grounds = (grounds?.isEmpty ?? true) ? nil : grounds
        guard submission.kind == .appeal else {
            guard submission.appealOf == nil, checked.grounds == nil else {
                throw RequestError.invalidAppeal("only an appeal names a request it appeals, and its grounds")
            }
            return checked
        }
        guard let appealed = submission.appealOf else {
            throw RequestError.invalidAppeal("name the refused request it appeals")
        }
        if let grounds = checked.grounds {
            guard !grounds.containsControlCharacter else {
                throw RequestError.invalidAppeal("grounds must not contain control characters")
            }
            guard grounds.count <= Self.maxGroundsLength else {
                throw RequestError.invalidAppeal("grounds must be at most \(Self.maxGroundsLength) characters")
            }
        }
        let original = try await load(appealed)
        guard original.request.kind != .appeal else {
            throw RequestError.invalidAppeal(
                "an appeal's decision is final; the customer may complain to the supervisory authority"
            )
        }
        guard original.request.status == .denied else {
            throw RequestError.invalidAppeal(
                "only a refused request can be appealed; \(appealed) is \(original.request.status.rawValue)"
            )
        }
        let law = policies.jurisdictions[original.request.jurisdictionID]
        guard let law, law.rule(.appeal, on: law.day(of: clock.now())) != nil else {
            let authority = law.map { "; the customer may complain to \($0.authority.name)" } ?? ""
            throw RequestError.invalidAppeal("\(original.request.jurisdictionID) gives no right of appeal\(authority)")
        }
        if let given = submission.accountID, given != original.request.accountID {
            throw RequestError.invalidAppeal("\(appealed) is about another customer")
        }
        if let given = submission.jurisdiction, given != original.request.jurisdictionID {
            throw RequestError.invalidAppeal("an appeal runs under the law of the request it appeals")
        }
        checked.accountID = original.request.accountID
        checked.jurisdiction = original.request.jurisdictionID
        if checked.accountID == nil, checked.email == nil { checked.email = original.requesterEmail }
        return checked
    }

    /// The appeal lodged against `id`, if any.
    ///
    /// - Throws: the store's errors (`StoreError`).
    public func appeal(of id: RequestID) async throws -> RequestID? { try await store.appeal(of: id) }

    /// The appeal clock of the law `stored` ran under, when that law grants an appeal and `stored` is a
    /// refusal that can still be appealed (not itself an appeal).
    public func appealRule(for stored: StoredRequest) -> DeadlineRule? {
        guard stored.request.status == .denied, stored.request.kind != .appeal else { return nil }
        guard let law = policies.jurisdictions[stored.request.jurisdictionID] else { return nil }
        return law.rule(.appeal, on: law.day(of: clock.now()))
    }

    /// Refuses a decision on an appeal by the officer who refused the request appealed, while another
    /// active officer may decide requests: the appeal is a second look, not the same one (the state laws ask
    /// for a review; a small team with one officer is still allowed to answer).
    ///
    /// - Throws: ``RequestError/sameDecider(_:officer:)``.
    func requireIndependentDecider(_ stored: StoredRequest, _ actor: Actor) async throws {
        guard stored.request.kind == .appeal, let appealed = stored.appealOf, case .staff(let officer) = actor,
            let original = try await store.request(appealed),
            let refusal = original.request.events.last(where: { $0.to == .denied }),
            refusal.actor == .staff(officer)
        else { return }
        let others = try await store.staffUsers().filter {
            $0.username != officer && $0.disabledAt == nil && $0.role.may(.decideRequests)
        }
        if !others.isEmpty { throw RequestError.sameDecider(appealed, officer: officer) }
    }
}

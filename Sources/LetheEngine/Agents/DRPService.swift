import Foundation
import LetheCore
import LetheCrypto
import LetheStore
import Logging

/// Lethe as a Data Rights Protocol endpoint (DRP 1.0): authorized agents pair, exercise rights,
/// follow and revoke them, and hear every change at their callback.
///
/// Every signed body is verified as received, before it is parsed, in the order §3.07 sets:
/// base64, signature under the key the bearer token maps to, agent, business, issued-at, expires-at.
/// A request is then an ordinary Lethe request on the `authorized-agent` channel, with its own
/// statutory deadline; its protocol status is read from Lethe's lifecycle, never stored beside it.
public struct DRPService: Sendable {
    let store: any AccountRepository & AgentRepository & RequestRepository
    let requests: RequestService
    let policies: PolicySet
    /// This business as the agents know it (`drp.yaml`): its id, API base and CCPA jurisdiction.
    public let business: DRPBusiness
    let clock: any WallClock
    let random: any RandomSource
    let logger: Logger

    /// Creates the endpoint. Requests go through `requests` like any other intake; `random` makes bearer
    /// tokens and protocol request ids.
    public init(
        store: any AccountRepository & AgentRepository & RequestRepository,
        requests: RequestService,
        policies: PolicySet,
        business: DRPBusiness,
        clock: any WallClock,
        random: any RandomSource = SecureRandomSource(),
        logger: Logger = Logger(label: "lethe.drp")
    ) {
        self.store = store
        self.requests = requests
        self.policies = policies
        self.business = business
        self.clock = clock
        self.random = random
        self.logger = logger
    }

    // MARK: Pair-wise key setup (§2.05)

    /// A new bearer token for the agent, replacing its last one; nil on any failure, which the spec
    /// answers with 403 and no body.
    public func pair(agentID: String, body: Data) async -> String? {
        do {
            guard let agent = try await store.agent(agentID), agent.revokedAt == nil else {
                throw DRPFailure(403, "unknown or revoked agent")
            }
            let (message, signature) = try open(body, agent: agent)
            guard let pairing = try? JSONDecoder().decode(DRPPairing.self, from: message) else {
                throw DRPFailure(400, "not a pairing message")
            }
            let expiresAt = try checkClaims(
                agentID: pairing.agentID,
                businessID: pairing.businessID,
                issuedAt: pairing.issuedAtText,
                expiresAt: pairing.expiresAtText,
                agent: agent
            )
            guard
                try await store.recordSignature(
                    Self.digest(signature),
                    agentID: agent.id,
                    expiresAt: expiresAt,
                    now: now
                )
            else { throw DRPFailure.replayed }
            let token = try newToken()
            try await store.issueAgentToken(agent.id, tokenHash: try Self.tokenHash(token), at: now)
            logger.notice("agent paired", metadata: ["agent": "\(agent.id)"])
            return token
        } catch {
            logger.notice("pairing refused", metadata: ["agent": "\(Self.loggable(agentID))", "why": "\(error)"])
            return nil
        }
    }

    /// The active agent a bearer token belongs to (§2.06), or 403.
    /// - Throws: ``DRPFailure`` 403 for a missing, unknown or revoked token; 500 when the store fails.
    public func agent(bearer: String?) async throws(DRPFailure) -> AuthorizedAgent {
        guard let bearer, !bearer.isEmpty, bearer.count <= 512 else { throw .unknownToken }
        do {
            guard let id = try await store.agentID(forTokenHash: try Self.tokenHash(bearer)),
                let agent = try await store.agent(id), agent.revokedAt == nil
            else { throw DRPFailure.unknownToken }
            return agent
        } catch let failure as DRPFailure {
            throw failure
        } catch {
            throw internalFailure(error)
        }
    }

    // MARK: Exercise (§2.01)

    /// Records the right the agent exercises and answers its status: `in_progress` with the
    /// statutory date at once, or `denied` when no customer matches.
    /// - Throws: ``DRPFailure``: 403 for a bad token or signature, 400 for a malformed, expired or
    ///   unsupported exercise, 409 for a replay, 500 when it could not be recorded.
    public func exercise(bearer: String?, body: Data) async throws(DRPFailure) -> DRPStatusObject {
        let agent = try await agent(bearer: bearer)
        let (message, signature) = try open(body, agent: agent)
        let exercise: DRPExercise
        do {
            exercise = try JSONDecoder().decode(DRPExercise.self, from: message)
        } catch {
            throw DRPFailure(400, "the body is not a data rights exercise: \(Self.decodingProblem(error))", fatal: true)
        }
        let expiresAt = try checkClaims(
            agentID: exercise.agentID,
            businessID: exercise.businessID,
            issuedAt: exercise.issuedAtText,
            expiresAt: exercise.expiresAtText,
            agent: agent
        )
        do {
            let digest = try Self.digest(signature)
            guard try await !store.signatureSeen(digest) else { throw DRPFailure.replayed }
            let record = try await intake(exercise, agent: agent, digest: digest)
            // Recorded last: a retry after a crash before this point finds and finishes the same request.
            _ = try await store.recordSignature(digest, agentID: agent.id, expiresAt: expiresAt, now: now)
            let status = try await statusObject(record)
            // The agent now knows this state: only a change from it is pushed to the callback.
            _ = try await store.recordDRPPush(
                record.id,
                state: String(decoding: status.json(), as: UTF8.self),
                settled: status.status.isFinal,
                message: nil,
                at: now
            )
            return status
        } catch let failure as DRPFailure {
            throw failure
        } catch {
            throw internalFailure(error)
        }
    }

    func intake(_ exercise: DRPExercise, agent: AuthorizedAgent, digest: Data) async throws -> DRPRequestRecord {
        if let version = exercise.version, version != "1.0", !version.hasPrefix("0.9") {
            throw DRPFailure(400, "drp.version \(version) is not supported (1.0 is)", fatal: true)
        }
        guard let action = DRPAction(wire: exercise.exercise) else {
            throw DRPFailure(400, "unknown exercise; expected one of \(Self.actionList)", fatal: true)
        }
        guard DRPAction.supported.contains(action) else {
            throw DRPFailure(400, "\(action.rawValue) is not defined in DRP 1.0; use access", fatal: true)
        }
        let regime = exercise.regime?.lowercased()
        guard regime == nil || regime == "ccpa" || regime == "voluntary" else {
            throw DRPFailure(400, "regime must be ccpa or absent (voluntary)", fatal: true)
        }
        guard exercise.email != nil || exercise.phoneNumber != nil else {
            throw DRPFailure(
                400,
                "the request names neither an email nor a phone_number to find the customer",
                fatal: true
            )
        }
        // The customer, by the claims given: email first, then phone, through the blind indexes.
        var accountID: AccountID?
        var matchedBy: AgentClaim?
        var email: String?
        if let given = exercise.email {
            do { email = try BlindIndex.normaliseEmail(given) } catch {
                throw DRPFailure(400, "email is not a valid address", fatal: true)
            }
        }
        if let email, let id = try await store.accountID(forEmail: email) {
            accountID = id
            matchedBy = .email
        } else if let phone = exercise.phoneNumber, let normalised = try? BlindIndex.normalisePhone(phone),
            let id = try await store.accountID(forPhone: normalised)
        {
            accountID = id
            matchedBy = .phoneNumber
        }
        var callback: String?
        if let text = exercise.statusCallback {
            if let url = URL(string: text), agent.allowsCallback(to: url) {
                callback = text
            } else {
                logger.notice("status callback refused by the agent's allow-list", metadata: ["agent": "\(agent.id)"])
            }
        }
        let optOutPurposes = policies.purposes.filter(\.withdrawnByOptOutSignal).map(\.id)
        var submission = RequestSubmission(
            kind: .export,
            accountID: accountID,
            email: accountID == nil ? email : nil,
            channel: .authorizedAgent,
            receivedAt: now,
            jurisdiction: regime == "ccpa" || accountID == nil ? business.ccpaJurisdiction : nil,
            idempotencyKey: "drp:" + Self.hex(digest),
            agentID: agent.id,
            submittedBy: .agent(agent.id)
        )
        switch action {
        case .saleOptOut:
            submission.kind = .consentChange
            submission.deadlineKind = .optOutOfSale
            submission.consentChanges = Dictionary(uniqueKeysWithValues: optOutPurposes.map { ($0, false) })
        case .saleOptIn:
            submission.kind = .consentChange
            submission.consentChanges = Dictionary(uniqueKeysWithValues: optOutPurposes.map { ($0, true) })
        case .deletion: submission.kind = .deletion
        case .access, .accessCategories, .accessSpecific: submission.kind = .export
        }
        if submission.email == nil, submission.accountID == nil {
            // Only a phone was given and it matched nobody: there is no one to record the request for.
            throw DRPFailure(400, "no customer matches the phone_number given; send the email too", fatal: true)
        }
        let receipt: IntakeReceipt
        do {
            receipt = try await requests.submit(submission)
        } catch let error as RequestError {
            throw DRPFailure(400, error.description, fatal: true)
        }
        let requestID = receipt.outcome.requestID
        let record = try await store.linkDRPRequest(
            DRPRequestRecord(
                id: try newRequestID(),
                digest: digest,
                requestID: requestID,
                agentID: agent.id,
                agentRequestID: exercise.agentRequestID,
                statusCallback: callback,
                receivedAt: now
            )
        )
        // What follows depends only on the request's state, so a retried submission finishes it.
        guard case .created = receipt.outcome, let stored = try await store.request(requestID) else { return record }
        if accountID == nil {
            if stored.request.status != .denied {
                try await requests.deny(
                    requestID,
                    basis: .notCovered,
                    reason: "No customer account matches the identity the authorized agent gave.",
                    by: .system("drp")
                )
            }
            try await store.setDRPDeniedReason(record.id, reason: DRPReason.noMatch.rawValue)
            return try await store.drpRequest(record.id) ?? record
        }
        if stored.request.status == .awaitingVerification {
            let assured =
                matchedBy.map { agent.assurance.accepts.contains($0) && exercise.verifiedClaims.contains($0) } ?? false
            try await requests.recordSignedAgentPermission(
                requestID,
                agent: agent.id,
                proof: "DRP signed request \(Self.hex(digest).prefix(16)) from \(agent.id)",
                assuredBy: assured && !agent.assurance.confirmWithCustomer ? matchedBy?.rawValue : nil
            )
        }
        return record
    }

    // MARK: Status (§2.02) and revoke (§2.04)

    /// The current protocol status of one of the agent's requests (§2.02), read from Lethe's lifecycle.
    ///
    /// - Throws: ``DRPFailure`` 403 for a bad token or another agent's request, 404 for an unknown id,
    ///   500 when the store fails.
    public func status(bearer: String?, requestID: String) async throws(DRPFailure) -> DRPStatusObject {
        let agent = try await agent(bearer: bearer)
        do {
            return try await statusObject(try owned(requestID, by: agent))
        } catch let failure as DRPFailure {
            throw failure
        } catch {
            throw internalFailure(error)
        }
    }

    /// Cancels the request for the user and answers the `revoked` status. The signed body holds only
    /// a reason, so the bearer's agent must own the request; the same body is accepted once per request.
    /// - Throws: ``DRPFailure``: 403 or 404 as for ``status(bearer:requestID:)``, 400 for a bad body,
    ///   409 for a replay or a request already completed or denied, 500 when the store fails.
    public func revoke(bearer: String?, requestID: String, body: Data) async throws(DRPFailure) -> DRPStatusObject {
        let agent = try await agent(bearer: bearer)
        let (message, signature) = try open(body, agent: agent)
        guard let revoke = try? JSONDecoder().decode(DRPRevoke.self, from: message) else {
            throw DRPFailure(400, "the body is not a revoke object", fatal: true)
        }
        do {
            let record = try await owned(requestID, by: agent)
            guard let stored = try await store.request(record.requestID) else { throw DRPFailure.notFound }
            switch stored.request.status {
            case .cancelled:
                return try await statusObject(record)
            case .completed, .denied:
                throw DRPFailure(409, "the request is already \(try await statusObject(record).status.rawValue)")
            default: break
            }
            // A revoke body holds only a reason, so an agent revoking two requests for the same reason sends
            // byte-identical signed bodies: the replay key is the signature with the request it revokes. A
            // replay against the same request answers the `cancelled` status above; a revoke carries no
            // expiry, so its key is remembered as long as a final state is kept.
            guard
                try await store.recordSignature(
                    Self.digest(signature + Array(record.requestID.rawValue.utf8)),
                    agentID: agent.id,
                    expiresAt: now.addingTimeInterval(60 * 86_400),
                    now: now
                )
            else { throw DRPFailure.replayed }
            let said = revoke.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            try await requests.cancel(
                record.requestID,
                reason: "Revoked by the customer through authorized agent \(agent.id)"
                    + (said.isEmpty ? "." : ": \(said)"),
                by: .agent(agent.id)
            )
            let status = try await statusObject(record)
            _ = try await store.recordDRPPush(
                record.id,
                state: String(decoding: status.json(), as: UTF8.self),
                settled: true,
                message: nil,
                at: now
            )
            return status
        } catch let failure as DRPFailure {
            throw failure
        } catch let error as RequestError {
            throw DRPFailure(409, error.description)
        } catch {
            throw internalFailure(error)
        }
    }

    func owned(_ requestID: String, by agent: AuthorizedAgent) async throws -> DRPRequestRecord {
        guard requestID.count <= 64, let record = try await store.drpRequest(requestID) else {
            throw DRPFailure.notFound
        }
        guard record.agentID == agent.id else { throw DRPFailure.anotherAgents }
        return record
    }

    // MARK: Helpers

    var now: Date { clock.now() }

    /// Where a customer collects an export: the privacy center on the same server as the endpoints.
    var privacyCenterURL: String? {
        guard var components = URLComponents(string: business.apiBase) else { return nil }
        components.path = "/privacy"
        return components.string
    }

    /// Hashing failures throw: falling back to the raw bytes would store a usable token in the database.
    static func digest(_ signature: [UInt8]) throws -> Data { Data(try SHA256Hasher.digest(signature)) }

    static func tokenHash(_ token: String) throws -> Data { Data(try SHA256Hasher.digest(Array(token.utf8))) }

    /// 32 bytes from the injected CSPRNG as base64url: opaque, and within the characters agents accept.
    func newToken() throws -> String {
        var bytes: [UInt8] = []
        for _ in 0..<32 { bytes.append(UInt8(try random.uniform(below: 256))) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A random (version 4) UUID, the form §3.03 recommends for `request_id`.
    func newRequestID() throws -> String {
        var bytes: [UInt8] = []
        for _ in 0..<16 { bytes.append(UInt8(try random.uniform(below: 256))) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = Self.hex(Data(bytes))
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(
                hex[
                    hex.index(
                        hex.startIndex,
                        offsetBy: range.lowerBound
                    )..<hex.index(hex.startIndex, offsetBy: range.upperBound)
                ]
            )
        }
        return parts.joined(separator: "-")
    }

    static func hex(_ data: Data) -> String { data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    static let actionList = DRPAction.supported.map(\.rawValue).joined(separator: ", ")

    /// Agent ids are logged only when they look like ids: a path segment could carry anything.
    static func loggable(_ id: String) -> String { AuthorizedAgent.isValidID(id) ? id : "(malformed)" }

    static func decodingProblem(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): return "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "not a JSON object"
        }
    }

    static func details(_ kind: RequestKind) -> String {
        switch kind {
        case .export: return "We are preparing the customer's data."
        case .deletion: return "We are deleting the customer's data, after the grace period in which they may cancel."
        case .consentChange: return "We are passing the customer's choice on to everyone we share their data with."
        case .deactivation: return "We are suspending the customer's account."
        // DRP has no correction action, so no agent request becomes one; a correction made another way is
        // still reported truthfully if an agent ever asks about it.
        case .correction: return "We are correcting the customer's data."
        case .appeal: return "We are reconsidering our decision on the customer's request."
        }
    }

    static func reason(for basis: DenialReason?) -> DRPReason {
        switch basis {
        case .unverifiable: return .insufficientVerification
        case .exemption: return .claimNotCovered
        case .notCovered: return .outsideJurisdiction
        case .manifestlyUnfounded, .other, nil: return .other
        }
    }

    static func denialDetails(_ reason: DRPReason?) -> String {
        switch reason {
        case .noMatch: return "We hold no account matching the identity given."
        case .insufficientVerification: return "We could not verify the customer's identity."
        case .claimNotCovered: return "An exemption in the law applies to the data asked about."
        case .outsideJurisdiction: return "The law the request relies on does not cover this customer."
        default: return "We cannot act on this request; the customer was told why."
        }
    }

    func internalFailure(_ error: any Error) -> DRPFailure {
        logger.error("DRP request failed", metadata: ["error": "\(String(describing: type(of: error)))"])
        return DRPFailure(500, "the request could not be recorded; try again", fatal: false)
    }
}

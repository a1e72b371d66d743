import Foundation

/// Work the engine runs later, durably: one case per kind of job, each with its typed payload.
///
/// The store keeps a job as its ``kind`` name, the request it concerns and a small JSON payload (ids and
/// field names only: the jobs table is not encrypted). ``init(kind:requestID:payload:)`` reads them back,
/// including the payloads written before jobs were typed, so a deployment upgrades in place.
///
/// Handlers are chosen by an exhaustive `switch` over this type, so a job without a handler, or a request
/// kind without a processor, does not compile:
///
/// ```swift
/// let job = Job.process(.export, RequestID("R-20260903-AB12CD34"))
/// job.kind       // .processExport, stored as "process-export"
/// job.requestID  // R-20260903-AB12CD34
/// ```
public enum Job: Sendable, Equatable {
    /// Carry out an approved request: build the export bundle, apply the consent change, deactivate the
    /// account, or start the erasure with its grace period.
    case process(RequestKind, RequestID)
    /// Erase the customer of a deletion request once its grace period has ended.
    case eraseAccount(RequestID)
    /// Tell one recipient about a request (an erasure or an opt-out) and record its acknowledgement.
    case notifyRecipient(RequestID, recipientID: String)
    /// Tell one recipient that a customer's data was corrected (GDPR Art 19).
    case notifyRectification(RectificationNotice)

    /// The name the job is stored and filtered under.
    public var kind: JobKind {
        switch self {
        case .process(let kind, _):
            switch kind {
            case .export: return .processExport
            case .consentChange: return .processConsentChange
            case .deactivation: return .processDeactivation
            case .deletion: return .processDeletion
            case .correction: return .processCorrection
            case .appeal: return .processAppeal
            }
        case .eraseAccount: return .eraseAccount
        case .notifyRecipient: return .notifyRecipient
        case .notifyRectification: return .notifyRecipientRectification
        }
    }

    /// The request the job works on, if it works on one.
    public var requestID: RequestID? {
        switch self {
        case .process(_, let id), .eraseAccount(let id), .notifyRecipient(let id, _): return id
        case .notifyRectification: return nil
        }
    }

    /// The payload as stored: JSON of ids and field names, `{}` when the request id says it all.
    public var payload: String {
        switch self {
        case .process, .eraseAccount: return "{}"
        case .notifyRecipient(_, let recipientID): return Self.json(RecipientPayload(recipient: recipientID))
        case .notifyRectification(let notice): return Self.json(notice)
        }
    }

    /// Reads a stored job back.
    ///
    /// - Throws: ``JobDecodingError`` when the kind is unknown, a request id is missing where the kind
    ///   needs one, or the payload does not parse.
    public init(kind name: String, requestID: RequestID?, payload: String) throws(JobDecodingError) {
        guard let kind = JobKind(rawValue: name) else { throw .unknownKind(name) }
        func request() throws(JobDecodingError) -> RequestID {
            guard let requestID else { throw .missingRequest(kind) }
            return requestID
        }
        switch kind {
        case .processExport: self = .process(.export, try request())
        case .processConsentChange: self = .process(.consentChange, try request())
        case .processDeactivation: self = .process(.deactivation, try request())
        case .processDeletion: self = .process(.deletion, try request())
        case .processCorrection: self = .process(.correction, try request())
        case .processAppeal: self = .process(.appeal, try request())
        case .eraseAccount: self = .eraseAccount(try request())
        case .notifyRecipient:
            // Before jobs were typed the payload was the bare recipient id.
            let recipient =
                payload.hasPrefix("{")
                ? try Self.decode(RecipientPayload.self, payload, kind).recipient : payload
            guard !recipient.isEmpty else { throw .malformedPayload(kind) }
            self = .notifyRecipient(try request(), recipientID: recipient)
        case .notifyRecipientRectification:
            if payload.hasPrefix("{") {
                self = .notifyRectification(try Self.decode(RectificationNotice.self, payload, kind))
            } else {
                // The legacy form: "recipient|account|field,field".
                let parts = payload.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3, let account = try? AccountID(String(parts[1])) else {
                    throw .malformedPayload(kind)
                }
                self = .notifyRectification(
                    RectificationNotice(
                        recipientID: String(parts[0]),
                        accountID: account,
                        fields: parts[2].split(separator: ",").map(String.init)
                    )
                )
            }
        }
    }

    private struct RecipientPayload: Codable {
        let recipient: String
    }

    private static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding a struct of strings cannot fail; an empty object keeps the row valid if it ever did.
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func decode<T: Decodable>(
        _ type: T.Type,
        _ payload: String,
        _ kind: JobKind
    ) throws(JobDecodingError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(payload.utf8)) } catch {
            throw .malformedPayload(kind)
        }
    }
}

/// The stored name of each kind of ``Job``. The raw values are the names rows have always carried.
public enum JobKind: String, Sendable, CaseIterable, Codable {
    case processExport = "process-export"
    case processConsentChange = "process-consent-change"
    case processDeactivation = "process-deactivation"
    case processDeletion = "process-deletion"
    case processCorrection = "process-correction"
    case processAppeal = "process-appeal"
    case eraseAccount = "erase-account"
    case notifyRecipient = "notify-recipient"
    case notifyRecipientRectification = "notify-recipient-rectification"
}

/// What a recipient is told after a correction: which customer (by account id) and which fields, never
/// the values.
public struct RectificationNotice: Sendable, Equatable, Codable {
    public let recipientID: String
    public let accountID: AccountID
    public let fields: [String]

    public init(recipientID: String, accountID: AccountID, fields: [String]) {
        self.recipientID = recipientID
        self.accountID = accountID
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case recipientID = "recipient"
        case accountID = "account"
        case fields
    }
}

/// Why a stored job could not be read back; the worker dead-letters such a job with this message.
public enum JobDecodingError: Error, Equatable, CustomStringConvertible {
    case unknownKind(String)
    case missingRequest(JobKind)
    case malformedPayload(JobKind)

    public var description: String {
        switch self {
        case .unknownKind(let name): return "unknown job kind '\(name)'"
        case .missingRequest(let kind): return "a \(kind.rawValue) job must name its request"
        case .malformedPayload(let kind): return "the payload of a \(kind.rawValue) job does not parse"
        }
    }
}

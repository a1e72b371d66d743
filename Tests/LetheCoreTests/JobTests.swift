import Foundation
import LetheCore
import Testing

@Suite("Typed jobs")
struct JobTests {
    static let request = RequestID("R-20260903-AB12CD34")
    static let account: AccountID = {
        guard let id = AccountID(number: 4_242) else { preconditionFailure("4242 is a valid account number") }
        return id
    }()

    @Test(
        "every job survives the trip through its stored kind, request and payload",
        arguments: [
            Job.process(.export, request), .process(.consentChange, request), .process(.deactivation, request),
            .process(.deletion, request), .eraseAccount(request),
            .notifyRecipient(request, recipientID: "acme-crm"),
            .notifyRectification(RectificationNotice(recipientID: "acme-crm", accountID: account, fields: ["email"])),
        ]
    )
    func roundTrip(_ job: Job) throws {
        let read = try Job(kind: job.kind.rawValue, requestID: job.requestID, payload: job.payload)
        #expect(read == job)
    }

    @Test("every request kind has its own processing job kind")
    func everyRequestKindIsProcessed() {
        let kinds = RequestKind.allCases.map { Job.process($0, Self.request).kind }
        #expect(Set(kinds).count == RequestKind.allCases.count)
        #expect(Job.process(.consentChange, Self.request).kind.rawValue == "process-consent-change")
    }

    @Test("rows written before jobs were typed still read: a bare recipient id and a pipe-delimited correction")
    func legacyPayloads() throws {
        #expect(
            try Job(kind: "notify-recipient", requestID: Self.request, payload: "acme-crm")
                == .notifyRecipient(Self.request, recipientID: "acme-crm")
        )
        #expect(
            try Job(kind: "notify-recipient-rectification", requestID: nil, payload: "acme-crm|TR-04242|email,phone")
                == .notifyRectification(
                    RectificationNotice(recipientID: "acme-crm", accountID: Self.account, fields: ["email", "phone"])
                )
        )
    }

    @Test(
        "a row that cannot be read is refused with the reason",
        arguments: [
            ("no-such-job", "R-1" as String?, "{}", JobDecodingError.unknownKind("no-such-job")),
            ("erase-account", nil, "{}", .missingRequest(.eraseAccount)),
            (
                "notify-recipient-rectification", nil, "acme|not-an-id|email",
                .malformedPayload(.notifyRecipientRectification)
            ),
            ("notify-recipient", "R-1", "{\"recipient\": 3}", .malformedPayload(.notifyRecipient)),
        ]
    )
    func unreadable(kind: String, request: String?, payload: String, error: JobDecodingError) {
        #expect(throws: error) { try Job(kind: kind, requestID: request.map(RequestID.init), payload: payload) }
    }
}

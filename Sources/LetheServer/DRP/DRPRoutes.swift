import Foundation
import HTTPTypes
import Hummingbird
import LetheCore
import LetheEngine

/// The Data Rights Protocol endpoints (DRP 1.0 §2.01-2.06) under the business's `api_base` path.
///
/// Signed bodies arrive as `text/plain` base64 (or with no Content-Type at all on DELETE, as agents
/// send revokes); answers are `application/json`. Errors are the protocol's own error object, not
/// problem+json, and a failed pairing is 403 with an empty body, as the spec demands.
struct DRPRoutes: Sendable {
    /// The protocol endpoint: signature and claim checks, intake, status and revoke.
    let service: DRPService
    /// Nudged after an exercise or revoke, so the customer's confirmation and the agent's callback go promptly.
    let outbox: OutboxNudge
    /// Signed DRP messages are small; nothing legitimate comes near this.
    static let maxBody = 64 * 1024

    /// The path prefix the routes answer under, e.g. `/drp/v1/`; the bearer tokens on it are agents'.
    static func prefix(_ business: DRPBusiness) -> String { business.mountPath + "/v1/" }

    /// Adds the five DRP routes under the business's mount path.
    func register(on router: Router<LetheRequestContext>) {
        let base = String(service.business.mountPath.drop(while: { $0 == "/" }))
        let v1 = base.isEmpty ? "v1" : "\(base)/v1"
        let service = self.service
        let outbox = self.outbox

        // §2.05 Pair-wise key setup: no bearer; the body is signed with the agent's directory key.
        router.post("\(v1)/agent/:agentID") { request, context in
            let agentID = context.parameters.get("agentID") ?? ""
            guard let body = try? await Self.body(request),
                let token = await service.pair(agentID: agentID, body: body)
            else { return Response(status: .forbidden) }
            return Self.json(["agent-id": agentID, "token": token])
        }
        // §2.06 Agent information: the spec asks for nothing more than `{}`.
        router.get("\(v1)/agent/:agentID") { request, context in
            await Self.answer {
                let agent = try await service.agent(bearer: Self.bearer(request))
                guard agent.id == context.parameters.get("agentID") else {
                    throw DRPFailure(403, "the token belongs to another agent")
                }
                return Self.json([:])
            }
        }
        // §2.01 Data rights exercise. The router ignores a trailing slash, so the form of 0.9.2 and
        // earlier (`/v1/data-rights-request/`) reaches the same handler.
        let exercise: @Sendable (Request, LetheRequestContext) async throws -> Response = { request, _ in
            await Self.answer {
                let body = try await Self.body(request)
                let status = try await service.exercise(bearer: Self.bearer(request), body: body)
                outbox.nudge()
                return Self.json(status)
            }
        }
        router.post("\(v1)/data-rights-request", use: exercise)
        // §2.02 Status.
        router.get("\(v1)/data-rights-request/:requestID") { request, context in
            await Self.answer {
                let id = context.parameters.get("requestID") ?? ""
                return Self.json(try await service.status(bearer: Self.bearer(request), requestID: id))
            }
        }
        // §2.04 Revoke: a signed body on DELETE, with or without a Content-Type.
        router.delete("\(v1)/data-rights-request/:requestID") { request, context in
            await Self.answer {
                let id = context.parameters.get("requestID") ?? ""
                let body = try await Self.body(request)
                let status = try await service.revoke(bearer: Self.bearer(request), requestID: id, body: body)
                outbox.nudge()
                return Self.json(status)
            }
        }
    }

    /// Runs a handler, answering any failure as the protocol's error object.
    static func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let failure as DRPFailure {
            return Self.failure(failure)
        } catch {
            return Self.failure(DRPFailure(500, "the request could not be handled; try again", fatal: false))
        }
    }

    /// The token of an `Authorization: Bearer` header (scheme case-insensitive), or nil without one.
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    /// The signed body as received, byte for byte (its signature covers exactly these bytes); a 413
    /// protocol error when it is larger than ``maxBody`` or cannot be read.
    static func body(_ request: Request) async throws(DRPFailure) -> Data {
        do {
            let buffer = try await request.body.collect(upTo: maxBody)
            return Data(buffer.readableBytesView)
        } catch {
            throw DRPFailure(413, "the body is larger than \(maxBody) bytes", fatal: true)
        }
    }

    /// A 200 answer carrying the protocol's Exercise Status object.
    static func json(_ status: DRPStatusObject) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: status.json()))
        )
    }

    /// A 200 answer carrying a small JSON object with sorted keys (the pairing answer, `{}`).
    static func json(_ object: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// The protocol's error object with the failure's status; never problem+json, which agents do not read.
    static func failure(_ failure: DRPFailure) -> Response {
        Response(
            status: HTTPResponse.Status(code: failure.status),
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: failure.body))
        )
    }
}

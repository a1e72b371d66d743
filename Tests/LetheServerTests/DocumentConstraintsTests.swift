import Foundation
import HTTPTypes
import HummingbirdTesting
import LetheCore
import NIOCore
import Testing

@testable import LetheServer

/// Every constraint `docs/openapi.yaml` states is enforced: each one is found in the document, a value
/// that breaks it is generated, and the check must refuse it naming the constraint.
@Suite("The document's constraints")
struct DocumentConstraintsTests {
    typealias Schema = DocumentConstraints.Schema

    /// One generated violation: where it is, what it breaks, and the call that carries it.
    struct Violation: CustomStringConvertible {
        let operation: String
        let location: String
        let expected: String
        let path: String
        let query: [String: String]
        let headers: HTTPFields
        let body: Data?
        var description: String { "\(operation): \(location) (\(expected))" }
    }

    /// Path values that satisfy every path parameter's pattern, so a body's violation is the only one.
    static let validPathValues = [
        "id": "R-20260903-ABCD1234", "account": "TR-00001", "hold": "HOLD-A1", "token": "T-ABC123",
    ]

    static func resolved(_ schema: Schema, _ constraints: DocumentConstraints) -> Schema {
        var current = schema
        while let ref = current.ref, let next = constraints.schemas[ref] { current = next }
        return current
    }

    /// Values that break each constraint of `schema` (and of everything below it), each wrapped back
    /// into the position it came from by `wrap`, with the words the refusal must contain.
    static func violations(
        _ schema: Schema,
        _ constraints: DocumentConstraints,
        at location: String,
        wrap: @escaping (Any) -> Any,
        depth: Int = 0
    ) -> [(location: String, expected: String, value: Any)] {
        guard depth < 8 else { return [] }
        let schema = resolved(schema, constraints)
        var found: [(String, String, Any)] = []
        if let maximum = schema.maxLength {
            found.append((location, "at most \(maximum)", wrap(String(repeating: "a", count: maximum + 1))))
        }
        if let minimum = schema.minLength, minimum > 0 {
            found.append((location, "at least \(minimum)", wrap(String(repeating: "a", count: minimum - 1))))
        }
        if schema.pattern != nil { found.append((location, "must match", wrap("~not-matching~"))) }
        if let minimum = schema.minimum { found.append((location, "at least", wrap(minimum - 1))) }
        if let maximum = schema.maximum { found.append((location, "at most", wrap(maximum + 1))) }
        if let minimum = schema.minItems, minimum > 0 {
            found.append((location, "at least \(minimum) item", wrap([Any]())))
        }
        if let maximum = schema.maxItems {
            found.append((location, "at most \(maximum) item", wrap(Array(repeating: "x", count: maximum + 1))))
        }
        for (name, property) in schema.properties {
            found += violations(
                property,
                constraints,
                at: "\(location).\(name)",
                wrap: { wrap([name: $0]) },
                depth: depth + 1
            )
        }
        if let items = schema.items {
            found += violations(items, constraints, at: "\(location)[]", wrap: { wrap([$0]) }, depth: depth + 1)
        }
        if let additional = schema.additionalProperties {
            found += violations(
                additional,
                constraints,
                at: "\(location).*",
                wrap: { wrap(["key": $0]) },
                depth: depth + 1
            )
        }
        return found
    }

    static func allViolations() throws -> [Violation] {
        let constraints = try DocumentConstraints.shipped()
        var all: [Violation] = []
        for operation in constraints.operations {
            let name = "\(operation.method.rawValue) /\(operation.segments.map { $0 ?? "{}" }.joined(separator: "/"))"
            let pathNames = operation.parameters.filter { $0.location == .path }.map(\.name)
            func path(_ values: [String]) -> String {
                var remaining = values[...]
                return "/" + operation.segments.map { $0 ?? remaining.popFirst() ?? "" }.joined(separator: "/")
            }
            let validPath = path(pathNames.map { validPathValues[$0] ?? "x" })
            for parameter in operation.parameters {
                for (location, expected, value) in violations(
                    parameter.schema,
                    constraints,
                    at: "\(parameter.location.rawValue) \(parameter.name)",
                    wrap: { $0 }
                ) {
                    let text = value as? String ?? (value as? Double).map { String(Int($0)) } ?? "\(value)"
                    var query: [String: String] = [:]
                    var headers = HTTPFields()
                    var callPath = validPath
                    switch parameter.location {
                    case .path:
                        callPath = path(pathNames.map { $0 == parameter.name ? text : validPathValues[$0] ?? "x" })
                    case .query: query[parameter.name] = text
                    case .header: if let field = HTTPField.Name(parameter.name) { headers[field] = text }
                    }
                    all.append(
                        Violation(
                            operation: name,
                            location: location,
                            expected: expected,
                            path: callPath,
                            query: query,
                            headers: headers,
                            body: nil
                        )
                    )
                }
            }
            if let body = operation.body {
                for (location, expected, value) in violations(body, constraints, at: "body", wrap: { $0 }) {
                    all.append(
                        Violation(
                            operation: name,
                            location: location,
                            expected: expected,
                            path: validPath,
                            query: [:],
                            headers: HTTPFields(),
                            body: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
                        )
                    )
                }
            }
        }
        return all
    }

    @Test("every constraint in the document is found: as many as the document's text states")
    func everyConstraintIsRead() throws {
        let constraints = try DocumentConstraints.shipped()
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        // The Data Rights Protocol's paths are served elsewhere (their own servers); their one pattern is
        // checked by the DRP routes, not here.
        let apiText = text.components(separatedBy: "  /v1/agent/").first ?? text
        let componentsText = text.components(separatedBy: "\ncomponents:").last ?? ""
        let keyword = #/\b(minLength|maxLength|pattern|minimum|maximum|minItems|maxItems):/#
        let stated = apiText.matches(of: keyword).count + componentsText.matches(of: keyword).count
        #expect(constraints.constraintCount == stated)
        #expect(constraints.operations.count >= 30)
    }

    static var documentURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
    }

    @Test("each constraint refuses a value that breaks it, naming the constraint")
    func eachConstraintIsEnforced() throws {
        let constraints = try DocumentConstraints.shipped()
        let violations = try Self.allViolations()
        #expect(violations.count >= 40)
        for violation in violations {
            let method = try #require(
                constraints.operations.first {
                    "\($0.method.rawValue) /\($0.segments.map { $0 ?? "{}" }.joined(separator: "/"))"
                        == violation.operation
                }
            ).method
            do {
                try constraints.check(
                    method: method,
                    path: violation.path,
                    query: violation.query,
                    headers: violation.headers,
                    body: violation.body
                )
                Issue.record("not refused: \(violation)")
            } catch let problem as Problem {
                #expect(problem.status == 400)
                #expect(problem.detail?.contains(violation.expected) == true, "\(violation): \(problem.detail ?? "")")
            }
        }
    }

    @Test("valid path values pass, and a path id with a control character is refused whatever its schema")
    func pathValues() throws {
        let constraints = try DocumentConstraints.shipped()
        try constraints.check(method: .get, path: "/requests/R-20260903-ABCD1234", query: [:], headers: [:], body: nil)
        #expect(throws: Problem.self) {
            try constraints.check(
                method: .post,
                path: "/requests/R-20260903-ABCD1234%00x/verify",
                query: [:],
                headers: [:],
                body: nil
            )
        }
    }

    struct Call: Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let headers: [String: String]
        let body: String?
        var description: String { "\(method.rawValue) \(path) \(body?.prefix(60) ?? "")" }
    }

    static let request = "R-20260903-ABCD1234"

    @Test(
        "the lengths the acceptance run found unenforced are refused over the API, and nothing changes",
        arguments: [
            Call(
                method: .post,
                path: "/api/v1/tokens",
                headers: [:],
                body: #"{"name":"\#(String(repeating: "t", count: 81))","role":"agent"}"#
            ),
            Call(
                method: .post,
                path: "/api/v1/recipients",
                headers: [:],
                body:
                    #"{"id":"acme","name":"","categories":["contact"],"webhookURL":"https://example.org/h","secret":"0123456789abcdef"}"#
            ),
            Call(
                method: .post,
                path: "/api/v1/recipients",
                headers: [:],
                body:
                    #"{"id":"acme","name":"Acme","categories":["contact"],"webhookURL":"https://example.org/h","secret":"\#(String(repeating: "s", count: 201))"}"#
            ),
            Call(method: .post, path: "/api/v1/requests/\(request)/assign", headers: [:], body: #"{"assignee":""}"#),
            Call(
                method: .post,
                path: "/api/v1/requests/\(request)/assign",
                headers: [:],
                body: #"{"assignee":"\#(String(repeating: "o", count: 81))"}"#
            ),
            Call(
                method: .post,
                path: "/api/v1/requests/\(request)/cancel",
                headers: [:],
                body: #"{"reason":"\#(String(repeating: "r", count: 5000))"}"#
            ),
            Call(
                method: .post,
                path: "/api/v1/requests",
                headers: ["Idempotency-Key": String(repeating: "k", count: 201)],
                body: #"{"kind":"export","email":"len.test@example.org","jurisdiction":"uk-gdpr"}"#
            ),
            Call(
                method: .post,
                path: "/api/v1/requests/R-20260903-ABCD1234%00x/verify",
                headers: [:],
                body: #"{"code":"123456"}"#
            ),
        ]
    )
    func refusedOverTheAPI(call: Call) async throws {
        let server = try await TestServer.make()
        let token = try await server.token(.admin)
        try await server.test { client in
            var headers = HTTPFields.json(token)
            for (name, value) in call.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
            let response = try await client.execute(
                uri: call.path,
                method: call.method,
                headers: headers,
                body: call.body.map { ByteBuffer(string: $0) }
            )
            #expect(response.status == .badRequest, "\(call): \(response.text)")
            #expect(response.json["type"] as? String == Problem.typeBase + "invalid-input")
        }
        #expect(try await server.runtime.store.listRequests(.init(limit: 10)).isEmpty)
        #expect(try await server.runtime.store.recipients().isEmpty)
        #expect(try await server.runtime.store.apiTokens().count == 1)
    }
}

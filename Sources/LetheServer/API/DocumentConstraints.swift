import Foundation
import HTTPTypes
import LetheCore
import Yams

/// The constraints `docs/openapi.yaml` states, read from the document itself and enforced on every API
/// call before its handler runs.
///
/// The generated code checks types, required properties and enumerations, but not lengths, patterns or
/// ranges. Reading them from the same file the generator reads means the document and the checks cannot
/// drift: a `maxLength` added to the document is enforced from the next start. What is enforced:
/// `minLength`, `maxLength` and `pattern` on strings (lengths in Unicode code points, as JSON Schema
/// counts them), `minimum` and `maximum` on numbers, `minItems` and `maxItems` on arrays, on path, query
/// and header parameters and anywhere in a JSON body (through `$ref`, `properties`, `items` and
/// `additionalProperties`). Path parameters holding a control character are refused whatever their
/// schema, since an id is stored and MACed as given.
///
/// ```swift
/// let constraints = try DocumentConstraints.shipped()
/// try constraints.check(method: .post, path: "/requests/R-1/assign", query: [:], headers: [:], body: data)
/// // throws Problem.badRequest("'assignee' in the body must be at least 1 character(s)")
/// ```
struct DocumentConstraints: Sendable {
    /// A schema node, with `$ref` kept as a name resolved on use (schemas may refer to each other).
    final class Schema: Sendable {
        /// The component schema this node stands for (the last segment of its `$ref`), looked up on use.
        let ref: String?
        /// The fewest Unicode code points a string may have.
        let minLength: Int?
        /// The most Unicode code points a string may have: the bound that keeps oversized values out of the store.
        let maxLength: Int?
        /// A regular expression a string must contain a match of (unanchored, as JSON Schema reads it).
        let pattern: Pattern?
        /// The smallest number allowed, inclusive.
        let minimum: Double?
        /// The largest number allowed, inclusive.
        let maximum: Double?
        /// The fewest elements an array may have.
        let minItems: Int?
        /// The most elements an array may have.
        let maxItems: Int?
        /// The object's named properties, each checked when present.
        let properties: [String: Schema]
        /// The schema every array element is checked against.
        let items: Schema?
        /// The schema for the values of a map-like object (e.g. consent changes by purpose).
        let additionalProperties: Schema?

        /// Reads one node; throws when a `pattern` does not compile.
        init(_ node: Node?) throws {
            let map = node?.mapping
            func int(_ key: String) -> Int? { map?[key]?.int }
            func double(_ key: String) -> Double? { map?[key]?.float ?? map?[key]?.int.map(Double.init) }
            ref = map?["$ref"]?.string.map { String($0.split(separator: "/").last ?? "") }
            minLength = int("minLength")
            maxLength = int("maxLength")
            pattern = try map?["pattern"]?.string.map(Pattern.init)
            minimum = double("minimum")
            maximum = double("maximum")
            minItems = int("minItems")
            maxItems = int("maxItems")
            var properties: [String: Schema] = [:]
            for (key, value) in map?["properties"]?.mapping ?? [:] {
                if let name = key.string { properties[name] = try Schema(value) }
            }
            self.properties = properties
            items = try map?["items"].map { try Schema($0) }
            additionalProperties = try map?["additionalProperties"].flatMap { $0.mapping == nil ? nil : try Schema($0) }
        }

        /// How many constraints this node states itself (not counting its children).
        var ownConstraintCount: Int {
            [minLength, maxLength, minItems, maxItems].compactMap { $0 }.count
                + [minimum, maximum].compactMap { $0 }.count + (pattern == nil ? 0 : 1)
        }
    }

    /// A compiled `pattern`. NSRegularExpression is immutable and documented as safe to share between
    /// threads, which Swift cannot see.
    struct Pattern: @unchecked Sendable {
        /// The pattern as written in the document, quoted in error messages.
        let source: String
        /// The compiled expression.
        let expression: NSRegularExpression

        /// Compiles `source`; an invalid pattern makes the whole document fail to load.
        init(_ source: String) throws {
            self.source = source
            expression = try NSRegularExpression(pattern: source)
        }

        /// Whether `text` contains a match anywhere.
        func matches(_ text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// A path, query or header parameter of an operation, with its schema.
    struct Parameter: Sendable {
        /// Where in the call the parameter is carried.
        enum Location: String, Sendable { case path, query, header }
        /// The parameter's name as the document gives it (case-insensitive for headers).
        let name: String
        /// Whether it is in the path, the query or a header.
        let location: Location
        /// What its value must satisfy.
        let schema: Schema
    }

    /// One operation of the document: the path and method it answers, its parameters and body schema.
    struct Operation: Sendable {
        /// The path template's segments; `nil` for a `{parameter}` segment.
        let segments: [String?]
        /// The HTTP method it answers.
        let method: HTTPRequest.Method
        /// Its parameters, including those shared through `components/parameters`.
        let parameters: [Parameter]
        /// The schema of its JSON body, when it takes one.
        let body: Schema?
    }

    /// Every operation of the document.
    let operations: [Operation]
    /// The document's component schemas by name, for resolving `$ref`.
    let schemas: [String: Schema]

    /// The document shipped with the server (the generator's input, copied as a resource).
    static func shipped() throws -> DocumentConstraints {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw DocumentError("openapi.yaml is missing from the server's resources")
        }
        return try DocumentConstraints(yaml: String(contentsOf: url, encoding: .utf8))
    }

    /// Why the document could not be read; the server does not start without its constraints.
    struct DocumentError: Error, CustomStringConvertible {
        /// What was wrong with the document.
        let description: String
        /// An error saying `description`.
        init(_ description: String) { self.description = description }
    }

    /// Reads the constraints from the document's text.
    init(yaml: String) throws {
        guard let root = try Yams.compose(yaml: yaml)?.mapping else { throw DocumentError("not a YAML mapping") }
        let components = root["components"]?.mapping
        var schemas: [String: Schema] = [:]
        for (key, value) in components?["schemas"]?.mapping ?? [:] {
            if let name = key.string { schemas[name] = try Schema(value) }
        }
        self.schemas = schemas
        let sharedParameters = components?["parameters"]?.mapping
        let sharedBodies = components?["requestBodies"]?.mapping
        func resolve(_ node: Node, in shared: Node.Mapping?) -> Node? {
            guard let ref = node.mapping?["$ref"]?.string else { return node }
            return shared?[String(ref.split(separator: "/").last ?? "")]
        }
        func parameters(_ node: Node?) throws -> [Parameter] {
            try (node?.sequence ?? []).compactMap { item in
                guard let map = resolve(item, in: sharedParameters)?.mapping, let name = map["name"]?.string,
                    let location = map["in"]?.string.flatMap(Parameter.Location.init(rawValue:))
                else { return nil }
                return Parameter(name: name, location: location, schema: try Schema(map["schema"]))
            }
        }
        var operations: [Operation] = []
        for (pathKey, pathNode) in root["paths"]?.mapping ?? [:] {
            guard let path = pathKey.string, let item = pathNode.mapping else { continue }
            // Operations with their own servers (the Data Rights Protocol) are not mounted under /api/v1.
            let shared = try parameters(item["parameters"])
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            for (methodKey, operationNode) in item {
                guard let name = methodKey.string, let operation = operationNode.mapping,
                    operation["operationId"] != nil, item["servers"] == nil,
                    let method = HTTPRequest.Method(name.uppercased())
                else { continue }
                let own = try parameters(operation["parameters"])
                let body = operation["requestBody"].flatMap { resolve($0, in: sharedBodies)?.mapping }
                let schema = try body?["content"]?.mapping?["application/json"]?.mapping?["schema"].map {
                    try Schema($0)
                }
                operations.append(
                    Operation(segments: segments, method: method, parameters: shared + own, body: schema)
                )
            }
        }
        self.operations = operations
    }

    /// How many constraints the checks hold: each stated once in the document, counted where stated.
    var constraintCount: Int {
        var seen = Set<ObjectIdentifier>()
        func count(_ schema: Schema?) -> Int {
            guard let schema, seen.insert(ObjectIdentifier(schema)).inserted else { return 0 }
            return schema.ownConstraintCount + schema.properties.values.map(count).reduce(0, +)
                + count(schema.items) + count(schema.additionalProperties)
        }
        return schemas.values.map(count).reduce(0, +)
            + operations.flatMap { $0.parameters.map(\.schema) + [$0.body].compactMap { $0 } }.map(count).reduce(0, +)
    }

    // MARK: Checking

    /// Checks one call against the operation it names; a path no operation has is left to the router.
    ///
    /// - Parameter path: the path below `/api/v1`, percent-encoded as received.
    /// - Throws: ``Problem`` (400) naming the parameter or property and the constraint, never the value.
    func check(
        method: HTTPRequest.Method,
        path: String,
        query: [String: String],
        headers: HTTPFields,
        body: Data?
    ) throws {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard
            let operation = operations.first(where: { operation in
                operation.method == method && operation.segments.count == segments.count
                    && zip(operation.segments, segments).allSatisfy { $0 == nil || $0 == $1 }
            })
        else { return }
        var pathValues: [String] = []
        for (template, segment) in zip(operation.segments, segments) where template == nil {
            guard let decoded = segment.removingPercentEncoding else {
                throw Problem.badRequest("a path segment is not valid percent-encoding")
            }
            if decoded.containsControlCharacter {
                throw Problem.badRequest("an id in the path must not contain control characters")
            }
            pathValues.append(decoded)
        }
        var pathIndex = 0
        for parameter in operation.parameters {
            let value: String?
            switch parameter.location {
            case .path:
                value = pathIndex < pathValues.count ? pathValues[pathIndex] : nil
                pathIndex += 1
            case .query: value = query[parameter.name]
            case .header: value = HTTPField.Name(parameter.name).flatMap { headers[$0] }
            }
            guard let value else { continue }
            let label = "the \(parameter.location.rawValue) parameter '\(parameter.name)'"
            if let number = Double(value), isNumeric(parameter.schema) {
                try check(number: number, against: parameter.schema, label: label)
            } else {
                try check(string: value, against: parameter.schema, label: label)
            }
        }
        if let schema = operation.body, let body, !body.isEmpty,
            let json = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        {
            try check(json, against: schema, label: "the body")
        }
    }

    private func resolved(_ schema: Schema) -> Schema {
        var current = schema
        var hops = 0
        while let ref = current.ref, let next = schemas[ref], hops < 16 {
            current = next
            hops += 1
        }
        return current
    }

    private func isNumeric(_ schema: Schema) -> Bool {
        let schema = resolved(schema)
        return schema.minimum != nil || schema.maximum != nil
    }

    private func check(_ value: Any, against schema: Schema, label: String) throws {
        let schema = resolved(schema)
        switch value {
        case let text as String:
            try check(string: text, against: schema, label: label)
        case let number as NSNumber:
            // Booleans also arrive as NSNumber; no boolean carries a range, so they pass untouched.
            try check(number: number.doubleValue, against: schema, label: label)
        case let array as [Any]:
            if let minimum = schema.minItems, array.count < minimum {
                throw Problem.badRequest("\(label) must hold at least \(minimum) item(s)")
            }
            if let maximum = schema.maxItems, array.count > maximum {
                throw Problem.badRequest("\(label) must hold at most \(maximum) item(s)")
            }
            if let items = schema.items {
                for element in array { try check(element, against: items, label: "each item of \(label)") }
            }
        case let object as [String: Any]:
            for (key, element) in object {
                if let property = schema.properties[key] {
                    try check(element, against: property, label: "'\(key)' in \(label)")
                } else if let additional = schema.additionalProperties {
                    try check(element, against: additional, label: "each value of \(label)")
                }
            }
        default:
            return
        }
    }

    private func check(string: String, against schema: Schema, label: String) throws {
        let schema = resolved(schema)
        let length = string.unicodeScalars.count
        if let minimum = schema.minLength, length < minimum {
            throw Problem.badRequest("\(label) must be at least \(minimum) character(s)")
        }
        if let maximum = schema.maxLength, length > maximum {
            throw Problem.badRequest("\(label) must be at most \(maximum) characters")
        }
        if let pattern = schema.pattern, !pattern.matches(string) {
            throw Problem.badRequest("\(label) must match \(pattern.source)")
        }
    }

    private func check(number: Double, against schema: Schema, label: String) throws {
        let schema = resolved(schema)
        if let minimum = schema.minimum, number < minimum {
            throw Problem.badRequest("\(label) must be at least \(minimum.formatted())")
        }
        if let maximum = schema.maximum, number > maximum {
            throw Problem.badRequest("\(label) must be at most \(maximum.formatted())")
        }
    }
}

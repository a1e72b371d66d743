import Yams

/// A YAML node that remembers where it came from, so every complaint about it names file and line.
struct PolicyNode {
    let node: Node
    let file: String

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    func issue(_ message: String) -> PolicyIssue {
        PolicyIssue(file: file, line: line, column: column, message: message)
    }

    /// The document's root node, or an issue when the text is not YAML.
    static func parse(_ source: PolicySource) throws -> PolicyNode {
        do {
            guard let node = try Yams.compose(yaml: source.contents) else {
                throw PolicyIssue(file: source.displayPath, line: 1, column: 1, message: "the file is empty")
            }
            return PolicyNode(node: node, file: source.displayPath)
        } catch let issue as PolicyIssue {
            throw issue
        } catch let error as YamlError {
            throw PolicyIssue(
                file: source.displayPath,
                line: Self.line(of: error),
                column: 1,
                message: "not valid YAML: \(Self.summary(of: error))"
            )
        }
    }

    /// A mapping whose keys must all be in `allowed`; an unknown key is a typo until proven otherwise.
    func mapping(_ what: String, allowed: [String]) throws -> PolicyMapping {
        guard case .mapping(let mapping) = node else {
            throw issue("\(what) must be a mapping of keys to values")
        }
        var entries: [(key: String, keyNode: PolicyNode, value: PolicyNode)] = []
        for (keyNode, valueNode) in mapping {
            let key = PolicyNode(node: keyNode, file: file)
            guard case .scalar(let scalar) = keyNode else { throw key.issue("keys in \(what) must be plain words") }
            guard allowed.contains(scalar.string) else {
                throw key.issue(
                    "unknown key '\(scalar.string)' in \(what) (expected one of: \(allowed.joined(separator: ", ")))"
                )
            }
            guard !entries.contains(where: { $0.key == scalar.string }) else {
                throw key.issue("'\(scalar.string)' appears twice in \(what)")
            }
            entries.append((scalar.string, key, PolicyNode(node: valueNode, file: file)))
        }
        return PolicyMapping(owner: self, what: what, entries: entries)
    }

    /// A mapping with arbitrary keys (e.g. deadline kinds), in document order.
    func pairs(_ what: String) throws -> [(key: PolicyNode, value: PolicyNode)] {
        guard case .mapping(let mapping) = node else {
            throw issue("\(what) must be a mapping of keys to values")
        }
        return mapping.map { (PolicyNode(node: $0.key, file: file), PolicyNode(node: $0.value, file: file)) }
    }

    func sequence(_ what: String) throws -> [PolicyNode] {
        guard case .sequence(let sequence) = node else { throw issue("\(what) must be a list") }
        return sequence.map { PolicyNode(node: $0, file: file) }
    }

    func string(_ what: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw issue("\(what) must be a single value") }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw issue("\(what) must not be empty") }
        return text
    }

    func int(_ what: String) throws -> Int {
        let text = try string(what)
        guard let value = Int(text) else { throw issue("\(what) must be a whole number, got '\(text)'") }
        return value
    }

    func bool(_ what: String) throws -> Bool {
        switch try string(what) {
        case "true", "yes": return true
        case "false", "no": return false
        case let other: throw issue("\(what) must be true or false, got '\(other)'")
        }
    }

    /// A value of a closed set, named in the error when it is not one of them.
    func oneOf<T: RawRepresentable & CaseIterable>(_ what: String, _ type: T.Type) throws -> T
    where T.RawValue == String {
        let text = try string(what)
        guard let value = T(rawValue: text) else {
            let known = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw issue("unknown \(what) '\(text)' (expected one of: \(known))")
        }
        return value
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return 1
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}

/// The entries of a checked mapping.
struct PolicyMapping {
    let owner: PolicyNode
    let what: String
    let entries: [(key: String, keyNode: PolicyNode, value: PolicyNode)]

    func optional(_ key: String) -> PolicyNode? {
        entries.first(where: { $0.key == key })?.value
    }

    func required(_ key: String) throws -> PolicyNode {
        guard let value = optional(key) else { throw owner.issue("missing '\(key)' in \(what)") }
        return value
    }
}

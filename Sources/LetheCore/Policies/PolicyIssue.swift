/// One thing wrong with the policy files, located precisely enough to fix: file, line, column, what.
public struct PolicyIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Every issue found while loading a policy directory. Loading fails as a whole: a partial policy
/// set could compute a wrong deadline, which is worse than none.
public struct PolicyValidationError: Error, Sendable, CustomStringConvertible {
    public let issues: [PolicyIssue]

    public init(issues: [PolicyIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// The text of one policy file and the path to show in messages.
public struct PolicySource: Sendable {
    /// Path relative to the policy directory, e.g. `jurisdictions/uk-gdpr.yaml`; decides how it is read.
    public let relativePath: String
    /// Path shown in messages, e.g. `Policies/jurisdictions/uk-gdpr.yaml`.
    public let displayPath: String
    public let contents: String

    public init(relativePath: String, displayPath: String, contents: String) {
        self.relativePath = relativePath
        self.displayPath = displayPath
        self.contents = contents
    }
}

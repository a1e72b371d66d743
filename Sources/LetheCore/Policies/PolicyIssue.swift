/// One thing wrong with the policy files, located precisely enough to fix: file, line, column, what.
public struct PolicyIssue: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file at fault, as shown to the user (e.g. `Policies/jurisdictions/uk-gdpr.yaml`).
    public let file: String
    /// The line of the offending value, counted from 1.
    public let line: Int
    /// The column of the offending value, counted from 1.
    public let column: Int
    /// What is wrong and, where possible, what was expected.
    public let message: String

    /// An issue at one place in one file.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form editors and CI logs link to.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Every issue found while loading a policy directory. Loading fails as a whole: a partial policy
/// set could compute a wrong deadline, which is worse than none.
public struct PolicyValidationError: Error, Sendable, CustomStringConvertible {
    /// Every issue found, sorted by file and line.
    public let issues: [PolicyIssue]

    /// An error carrying `issues`.
    public init(issues: [PolicyIssue]) { self.issues = issues }

    /// One issue per line.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// The text of one policy file and the path to show in messages.
public struct PolicySource: Sendable {
    /// Path relative to the policy directory, e.g. `jurisdictions/uk-gdpr.yaml`; decides how it is read.
    public let relativePath: String
    /// Path shown in messages, e.g. `Policies/jurisdictions/uk-gdpr.yaml`.
    public let displayPath: String
    /// The file's text, as read by the caller (LetheCore reads no files itself).
    public let contents: String

    /// One policy file's text with its two paths.
    public init(relativePath: String, displayPath: String, contents: String) {
        self.relativePath = relativePath
        self.displayPath = displayPath
        self.contents = contents
    }
}

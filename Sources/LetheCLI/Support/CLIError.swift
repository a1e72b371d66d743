/// A failure the user can act on: printed as one line on standard error, then the process exits with `code`.
public struct CLIError: Error, Equatable, CustomStringConvertible {
    /// One line that says what was wrong and, where it helps, what to do; never a customer's value.
    public let message: String
    /// The exit status: 1 when a check or operation failed, 2 for bad input.
    public let code: Int32

    /// Input the user gave was wrong (unknown id, malformed date, late notice): exit status 2.
    public static func badInput(_ message: String) -> CLIError { CLIError(message: message, code: 2) }

    /// The check or operation found a problem (e.g. invalid policies): exit status 1.
    public static func failed(_ message: String) -> CLIError { CLIError(message: message, code: 1) }

    /// The same as ``message``.
    public var description: String { message }
}

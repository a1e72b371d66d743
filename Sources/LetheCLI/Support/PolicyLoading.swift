import LetheCore
import LetheEngine

/// The CLI's view of policy loading: a policy problem is a failed check (exit 1), in one line.
enum PolicyLoading {
    /// The policy files under `path`, unparsed; a missing or unreadable folder is a failed check (exit 1).
    static func sources(at path: String) throws(CLIError) -> [PolicySource] {
        do { return try PolicyDirectory.sources(at: path) } catch { throw .failed(error.message) }
    }

    /// The validated policy set under `path`; any validation issue is a failed check (exit 1).
    static func load(at path: String) throws(CLIError) -> PolicySet {
        do { return try PolicyDirectory.load(at: path) } catch { throw .failed(error.message) }
    }
}

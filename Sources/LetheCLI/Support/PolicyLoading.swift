import LetheCore
import LetheEngine

/// The CLI's view of policy loading: a policy problem is a failed check (exit 1), in one line.
enum PolicyLoading {
    static func sources(at path: String) throws(CLIError) -> [PolicySource] {
        do { return try PolicyDirectory.sources(at: path) } catch { throw .failed(error.message) }
    }

    static func load(at path: String) throws(CLIError) -> PolicySet {
        do { return try PolicyDirectory.load(at: path) } catch { throw .failed(error.message) }
    }
}

import Foundation
import LetheCore

/// Why the policy folder could not be used; the message says which file and what to do.
public struct PolicyLoadError: Error, CustomStringConvertible {
    /// Which file or folder, and what to do (pass `--policies`, run `lethe policies check`).
    public let message: String
    /// The same as ``message``.
    public var description: String { message }
}

/// Reads a policy directory from disk into sources for ``PolicySet/load(_:)``.
///
/// The pure parser lives in LetheCore; this is the one place that reads the policy files, for the
/// CLI, the server and the worker alike.
public enum PolicyDirectory {
    /// The directory to use: the explicit one (`--policies`), else `LETHE_POLICIES`, else the policies
    /// shipped inside the binary's resources, so the service starts from any folder.
    public static func resolve(_ explicit: String?, environment: [String: String]) -> String {
        explicit ?? environment["LETHE_POLICIES"].flatMap { $0.isEmpty ? nil : $0 } ?? shipped
    }

    /// The policies shipped with this build (`Policies/` at the repository root), copied into the
    /// LetheEngine resource bundle beside the executable.
    public static var shipped: String {
        Bundle.module.resourceURL?.appendingPathComponent("Policies").path ?? "Policies"
    }

    /// Every `.yaml` file below `path`, with paths relative to it.
    /// - Throws: ``PolicyLoadError`` when the folder is missing or unreadable, or a file is not UTF-8.
    public static func sources(at path: String) throws(PolicyLoadError) -> [PolicySource] {
        // Resolve symlinks first: a deployment may link its policy folder in from elsewhere.
        let root = URL(fileURLWithPath: path, isDirectory: true).resolvingSymlinksInPath().standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw PolicyLoadError(
                message: "policy directory '\(path)' does not exist (pass --policies or set LETHE_POLICIES)"
            )
        }
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw PolicyLoadError(message: "cannot read policy directory '\(path)'")
        }
        var sources: [PolicySource] = []
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator where url.pathExtension == "yaml" || url.pathExtension == "yml" {
            let full = url.resolvingSymlinksInPath().standardizedFileURL.path
            let relative = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : url.lastPathComponent
            guard let data = FileManager.default.contents(atPath: full),
                let text = String(data: data, encoding: .utf8)
            else { throw PolicyLoadError(message: "\(path)/\(relative): cannot be read as UTF-8 text") }
            let display = (path.hasSuffix("/") ? path : path + "/") + relative
            sources.append(PolicySource(relativePath: relative, displayPath: display, contents: text))
        }
        return sources
    }

    /// Loads and validates the directory, turning validation issues into a one-line CLI error.
    /// - Throws: ``PolicyLoadError`` for an unreadable folder or a policy set that does not validate;
    ///   a partial set is never loaded.
    public static func load(at path: String) throws(PolicyLoadError) -> PolicySet {
        do {
            return try PolicySet.load(sources(at: path))
        } catch let error as PolicyValidationError {
            let first = error.issues.first.map(\.description) ?? "invalid"
            let more = error.issues.count > 1 ? " (and \(error.issues.count - 1) more; run lethe policies check)" : ""
            throw PolicyLoadError(message: "policies are invalid: \(first)\(more)")
        } catch let error as PolicyLoadError {
            throw error
        } catch {
            throw PolicyLoadError(message: "\(error)")
        }
    }
}

import Foundation
import LetheCore
import LetheCrypto
import LetheStore

/// Why an agent could not be registered; the message names the field, never a key.
public struct AgentRegistryError: Error, Equatable, CustomStringConvertible {
    /// What was wrong, naming the agent id or field (safe to show an officer and to log).
    public let message: String
    /// The same as ``message``.
    public var description: String { message }
}

/// The authorized agents Lethe trusts: added by an officer or imported from the DRP directory's
/// `agents.json`, each with the Ed25519 key its requests must be signed with.
public struct AgentRegistry: Sendable {
    let store: any AgentRepository
    let clock: any WallClock

    /// Creates the registry over the store's agent table; `clock` stamps when each agent was added.
    public init(store: any AgentRepository, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Validates and adds one agent. The key is refused when malformed or of small order.
    /// - Throws: ``AgentRegistryError`` for a bad id, blank name, unusable key or callback host, or when
    ///   the store refuses the agent (for instance `StoreError.agentExists`).
    @discardableResult
    public func add(
        id: String,
        name: String,
        verifyKey: String,
        assurance: IdentityAssurance,
        callbackHosts: [String],
        by actor: String
    ) async throws -> AuthorizedAgent {
        guard AuthorizedAgent.isValidID(id) else {
            throw AgentRegistryError(message: "agent id '\(id)' must be upper-case letters, digits and underscores")
        }
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty else { throw AgentRegistryError(message: "agent \(id) needs a name") }
        let key: Ed25519PublicKey
        do { key = try Ed25519PublicKey(encoded: verifyKey) } catch {
            throw AgentRegistryError(message: "agent \(id): the verify key is unusable (\(error))")
        }
        for host in callbackHosts where host.isEmpty || host.contains("/") || host.contains(" ") {
            throw AgentRegistryError(message: "callback host '\(host)' must be a host or host:port")
        }
        let agent = AuthorizedAgent(
            id: id,
            name: trimmedName,
            verifyKey: key.base64,
            assurance: assurance,
            callbackHosts: callbackHosts,
            addedAt: clock.now()
        )
        do {
            try await store.addAgent(agent, by: actor)
        } catch let error as StoreError {
            throw AgentRegistryError(message: error.description)
        }
        return agent
    }

    /// One entry of the DRP directory's agent list (DRP 1.0 §3.05).
    struct DirectoryEntry: Decodable {
        let id: String
        let name: String
        let verifyKey: String
        let webURL: String?

        enum CodingKeys: String, CodingKey {
            case id
            case name
            case verifyKey = "verify_key"
            case webURL = "web_url"
        }
    }

    /// Imports the directory's `agents.json` (a list of entries, or `{"agents": [...]}`), adding
    /// each agent not yet registered under the given assurance; returns the ids added and skipped.
    /// - Throws: ``AgentRegistryError`` when the data is not a directory or an entry cannot be added
    ///   (entries before it stay added); the store's errors otherwise.
    public func importDirectory(
        _ data: Data,
        assurance: IdentityAssurance,
        by actor: String
    ) async throws -> (
        added: [String], skipped: [String]
    ) {
        struct Wrapped: Decodable { let agents: [DirectoryEntry] }
        let decoder = JSONDecoder()
        let entries: [DirectoryEntry]
        if let list = try? decoder.decode([DirectoryEntry].self, from: data) {
            entries = list
        } else if let wrapped = try? decoder.decode(Wrapped.self, from: data) {
            entries = wrapped.agents
        } else {
            throw AgentRegistryError(message: "not a DRP agent directory (a list of {id, name, verify_key})")
        }
        var added: [String] = []
        var skipped: [String] = []
        for entry in entries {
            if try await store.agent(entry.id) != nil {
                skipped.append(entry.id)
                continue
            }
            // Callbacks go only where the agent's own site is, until an officer says otherwise.
            let host = entry.webURL.flatMap(URL.init(string:))?.host.map { [$0] } ?? []
            try await add(
                id: entry.id,
                name: entry.name,
                verifyKey: entry.verifyKey,
                assurance: assurance,
                callbackHosts: host,
                by: actor
            )
            added.append(entry.id)
        }
        return (added, skipped)
    }
}

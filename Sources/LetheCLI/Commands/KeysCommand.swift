import ArgumentParser
import Foundation
import LetheCore
import LetheCrypto
import LetheEngine

/// `lethe keys`: the master keyring that wraps every customer's data key.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the master keyring (key-encryption keys).",
        subcommands: [Init.self, Status.self, Stage.self, Rotate.self, Retire.self]
    )

    /// `lethe keys init`: a new keyring file, readable by its owner only.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new master keyring (one random 256-bit key, mode 0600). Refuses to overwrite."
        )

        @Option(name: .customLong("key-file"), help: "Where to write it (default: <data folder>/master.key).")
        var keyFileOption: String?
        @OptionGroup var runtime: RuntimeOptions

        /// Writes the keyring and prints where, with the reminder to back it up apart from the database.
        func run() async throws { print(try render()) }

        /// Creates the key file (mode 0600, its folder 0700) and returns the message; an existing file is
        /// never overwritten (exit 2), and a file-system or crypto failure exits 1.
        func render() throws(CLIError) -> String {
            let keyFile = keyFileOption ?? runtime.configuration.keyFile
            guard !FileManager.default.fileExists(atPath: keyFile) else {
                throw .badInput(
                    "\(keyFile) already exists; losing a master key loses every customer's data, so it is never overwritten"
                )
            }
            let folder = URL(fileURLWithPath: keyFile).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(
                    atPath: folder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                try MasterKeyring.generate().write(to: keyFile)
            } catch let error as CryptoError {
                throw .failed(error.description)
            } catch {
                throw .failed("cannot create \(folder): \(error.localizedDescription)")
            }
            return "wrote master keyring \(keyFile) (version 1, mode 0600). Back it up somewhere safe and separate "
                + "from database backups: without it no encrypted field can be read."
        }
    }

    /// `lethe keys status`: master versions and how many data keys each still wraps.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show master-key versions and how many customer data keys each still wraps."
        )
        @OptionGroup var runtime: RuntimeOptions

        /// Prints each master version's state (primary, decrypt-only, missing) and what it still wraps, indexes
        /// and MACs, so an operator knows whether an old version can be retired.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let keyring = await runtime.keys.keyring()
            let usage = try await runtime.keys.usage()
            print("master key versions (primary \(keyring.primaryVersion)):")
            for version in Set(keyring.versions).union(usage.keys.filter { $0 != 0 }).sorted() {
                let state =
                    version == keyring.primaryVersion
                    ? "primary"
                    : version == keyring.stagedVersion
                        ? "staged (run 'lethe keys rotate')"
                        : keyring.versions.contains(version) ? "decrypt-only" : "MISSING (retired or not loaded)"
                let use = usage[version] ?? KeyVersionUsage()
                print(
                    "  v\(version)  \(state.padded(32)) wraps \(use.dataKeys) data keys; indexes \(use.accountIndexes) "
                        + "account fields, \(use.suppressions) suppressions; MACs \(use.auditEntries) audit records"
                )
            }
            let holders = try await runtime.keys.liveHolders(now: runtime.clock.now())
            print(holders.isEmpty ? "running processes: none announced" : "running processes:")
            for holder in holders {
                let age = Int(runtime.clock.now().timeIntervalSince(holder.seenAt).rounded())
                print(
                    "  \(holder.node.padded(40)) holds \(holder.versions.map { "v\($0)" }.joined(separator: ", ")) "
                        + "(primary v\(holder.primary)), seen \(age) s ago"
                )
            }
            if let unknown = usage[0], !unknown.isUnused {
                print(
                    "  unknown version: \(unknown.accountIndexes) account fields (run 'lethe keys rotate --resume'), "
                        + "\(unknown.suppressions) suppressions written before tokens recorded their version"
                )
            }
        }
    }

    /// `lethe keys stage`: the first phase of a rotation while the service runs.
    struct Stage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Add a new master-key version to the key file without making it primary, so every node can load it first."
        )
        @OptionGroup var runtime: RuntimeOptions

        /// Writes the key file with a new, non-primary version (or says which one is already staged); a key
        /// from the environment must be staged in the secret store (exit 1).
        func run() async throws {
            let runtime = try await self.runtime.open()
            let keyring = await runtime.keys.keyring()
            if let staged = keyring.stagedVersion {
                print("v\(staged) is already staged (primary v\(keyring.primaryVersion)); run 'lethe keys rotate'")
                return
            }
            guard !runtime.configuration.keysFromEnvironment else {
                throw CLIError.failed(
                    "the master key comes from the environment: on every node add the new version to LETHE_MASTER_KEYS "
                        + "and set LETHE_MASTER_KEY_PRIMARY=\(keyring.primaryVersion), restart the nodes one by one, "
                        + "then run 'lethe keys rotate'"
                )
            }
            let staged = try keyring.staged()
            try staged.write(to: runtime.configuration.keyFile)
            print(
                "staged v\(staged.stagedVersion ?? 0) in \(runtime.configuration.keyFile) (primary stays v\(staged.primaryVersion)). "
                    + "Nodes reading this file load it within seconds; copy it to nodes with their own key file. "
                    + "Then 'lethe keys rotate' makes it primary once every running node holds it."
            )
        }
    }

    /// `lethe keys rotate`: a new primary version, then every data key rewrapped in resumable batches.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make the staged (or a new) master-key version primary once every running node holds it, then rewrap every data key under it."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Data keys per transaction.") var batch: Int = 500
        @Option(help: "Seconds to wait for every running node to load the new version before giving up.") var wait:
            Double = 60
        @Flag(help: "Only finish rewrapping under the current primary (after an interrupted rotation).") var resume =
            false

        /// Refuses a batch size below 1 or a negative wait.
        func validate() throws {
            guard batch > 0 else { throw ValidationError("--batch must be positive") }
            guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
        }

        /// Stages a new version when none is (key file only), waits until every running node holds it,
        /// promotes it for every process, then rewraps data keys and recomputes blind indexes batch by batch.
        /// Exits 1 when the key comes from the environment without a staged version, or when a running node
        /// does not load the new version within `--wait`.
        func run() async throws {
            let runtime = try await self.runtime.open()
            let configuration = runtime.configuration
            let fromEnvironment = configuration.keysFromEnvironment
            if !resume {
                var keyring = await runtime.keys.keyring()
                // Phase 1: a version every process can open before any process wraps under it. It is on
                // disk before anything uses it, so a crash never strands a data key.
                if keyring.stagedVersion == nil {
                    guard !fromEnvironment else {
                        throw CLIError.failed(
                            "the master key comes from the environment: on every node add a new version to "
                                + "LETHE_MASTER_KEYS with LETHE_MASTER_KEY_PRIMARY=\(keyring.primaryVersion) (e.g. "
                                + "'2:BASE64,1:BASE64'), restart the nodes one by one, then run 'lethe keys rotate'"
                        )
                    }
                    keyring = try keyring.staged()
                    try keyring.write(to: configuration.keyFile)
                    await runtime.keys.use(keyring)
                }
                guard let target = keyring.stagedVersion else { throw CLIError.failed("no version to promote") }
                // Phase 2: every running node must hold it; they re-read a changed key file within seconds.
                let deadline = Date().addingTimeInterval(wait)
                while true {
                    let lacking = try await runtime.keys.holdersLacking(target, now: runtime.clock.now())
                    if lacking.isEmpty { break }
                    guard Date() < deadline else {
                        Terminal.endProgress()
                        throw CLIError.failed(
                            KeyringNotReady(version: target, lacking: lacking.map(\.node)).description
                        )
                    }
                    Terminal.progress("waiting for \(lacking.count) running node(s) to load v\(target)")
                    try await Task.sleep(for: .milliseconds(500))
                }
                Terminal.endProgress()
                do {
                    try await runtime.keys.promote(
                        target,
                        by: "operator:keys-rotate",
                        now: runtime.clock.now()
                    )
                } catch let error as KeyringNotReady {
                    throw CLIError.failed(error.description)
                }
                if !fromEnvironment { try await runtime.keys.keyring().write(to: configuration.keyFile) }
            }
            let primary = await runtime.keys.keyring().primaryVersion
            let total = try await runtime.keys.dataKeysAwaitingRewrap()
            var done = 0
            let started = Date()
            while true {
                let moved = try await runtime.keys.rewrapDataKeys(limit: batch)
                if moved == 0 { break }
                done += moved
                Terminal.progress("rewrapping data keys: \(done)/\(total)")
            }
            // Email and phone tokens move to the new version's keys; until then lookups try every loaded
            // version, so nothing breaks half-way, and a kill resumes where it stopped.
            var reindexed = 0
            while true {
                let moved = try await runtime.keys.reindexBlindIndexes(limit: batch)
                if moved == 0 { break }
                reindexed += moved
                Terminal.progress("recomputing blind indexes: \(reindexed) accounts")
            }
            Terminal.endProgress()
            let left = try await runtime.keys.dataKeysAwaitingRewrap()
            print(
                "primary master key is v\(primary); rewrapped \(done) data keys and reindexed \(reindexed) accounts in "
                    + String(format: "%.1f s", Date().timeIntervalSince(started))
                    + (left == 0
                        ? "; older versions can now be retired with 'lethe keys retire'"
                        : "; \(left) still to do (run with --resume)")
            )
        }
    }

    /// `lethe keys retire`: remove an old master version once nothing uses it.
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Remove a master-key version that no data key uses any more (this shreds old backups of the key table)."
        )
        @OptionGroup var runtime: RuntimeOptions
        @Argument(help: "The version to retire.") var version: UInt32

        /// Retires the version after checking nothing needs it, re-MACing the audit trail first if it must;
        /// exits 1 while data keys, indexes or suppression tokens still depend on it, 2 for the primary.
        func run() async throws {
            let runtime = try await self.runtime.open()
            // Refused while anything still needs the version: retiring it would make data keys
            // unopenable, lookups miss customers, suppressed customers unrecognisable after a restore, or
            // the audit trail unverifiable.
            let usage = try await runtime.keys.usage()
            let use = usage[version] ?? KeyVersionUsage()
            guard use.dataKeys == 0, use.accountIndexes == 0 else {
                throw CLIError.failed(
                    "v\(version) still wraps \(use.dataKeys) data keys and indexes \(use.accountIndexes) account fields; "
                        + "run 'lethe keys rotate --resume' first"
                )
            }
            guard use.suppressions == 0, (usage[0]?.suppressions ?? 0) == 0 else {
                throw CLIError.failed(
                    "v\(version) (or an unknown version) made the suppression tokens of "
                        + "\(use.suppressions + (usage[0]?.suppressions ?? 0)) erased customers, which cannot be "
                        + "recomputed; retiring it would let a restored backup bring them back unnoticed"
                )
            }
            guard version != (await runtime.keys.keyring().primaryVersion) else {
                throw CLIError.badInput("v\(version) is the primary version; rotate first")
            }
            if use.auditEntries > 0 {
                // The audit trail must stay verifiable for its whole retention: it is verified, then
                // re-MACed under the primary version, before the old version goes.
                do {
                    let count = try await runtime.keys.reMACAuditTrail()
                    print("re-MACed \(count) audit entries under the primary version")
                } catch let error as StoreError {
                    throw CLIError.failed(error.description)
                }
            }
            let retired: MasterKeyring
            do { retired = try await runtime.keys.keyring().retiring(version) } catch {
                throw CLIError.badInput(error.description)
            }
            try retired.write(to: runtime.configuration.keyFile)
            print("retired master key v\(version); backups of data keys wrapped under it can no longer be opened")
        }
    }
}
